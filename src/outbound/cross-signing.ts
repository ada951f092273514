/**
 * Our own cross-signing keys on the impure path: the private seeds held in memory (loaded
 * from the vault at open, sealed there as `cross_signing/<role>`), and what a
 * `cross_signing` input makes once the slice's verdict allows it: new keys and their
 * uploads (bootstrap), imported seeds sealed, a signature of a device or a user.
 */
import type { CrossSigningEnvelope, DeviceSigningUploadBody, OwnCrossSigningKeysPayload, UploadedCrossSigningKey } from '../../events/cross-signing.js';
import type { OutgoingRequestPayload } from '../../events/outbound.js';
import { crossSignVerdict, crossSigningImportVerdict, ownCrossSigningKeys } from '../../projections/identities/selectors.js';
import type { OwnAccount } from '../crypto/account.js';
import { CROSS_SIGNING_ROLES, CrossSigningKey, crossSigningVaultKey, publicKeyOfSeed, type CrossSigningRole } from '../crypto/cross-signing.js';
import type { Olm } from '../crypto/olm.js';
import type { Vault } from '../crypto/vault.js';
import type { BatchOp } from '../log/store.js';
import type { LedgerState } from '../runtime/projector.js';

/** Seeds given for an import, by role (unpadded base64). */
export type CrossSigningSeeds = Partial<Record<CrossSigningRole, string>>;

/** What a cross_signing input made: facts to append and vault writes. */
export interface CrossSigningMade {
  facts: ({ kind: 'own_cross_signing_keys'; payload: OwnCrossSigningKeysPayload } | { kind: 'outgoing_request'; payload: OutgoingRequestPayload })[];
  ops: BatchOp[];
}

/** The private seeds we hold, by role; an input not written takes its change back. */
export class OwnCrossSigningSeeds {
  private seeds: CrossSigningSeeds = {};
  private unsettled: { seq: number; previous: CrossSigningSeeds }[] = [];

  static async load(vault: Vault): Promise<OwnCrossSigningSeeds> {
    const held = new OwnCrossSigningSeeds();
    for (const role of CROSS_SIGNING_ROLES) {
      const seed = await vault.get(crossSigningVaultKey(role));
      if (seed !== undefined) held.seeds[role] = seed;
    }
    return held;
  }

  get(role: CrossSigningRole): string | undefined {
    return this.seeds[role];
  }

  /** Which roles we hold a seed of. */
  roles(): CrossSigningRole[] {
    return CROSS_SIGNING_ROLES.filter((r) => this.seeds[r] !== undefined);
  }

  set(seq: number, seeds: CrossSigningSeeds): void {
    this.unsettled.push({ seq, previous: { ...this.seeds } });
    // Only the last few changes can be in a batch still being written.
    if (this.unsettled.length > 64) this.unsettled.shift();
    this.seeds = { ...this.seeds, ...seeds };
  }

  forgetAfter(seq: number): void {
    for (let i = this.unsettled.length - 1; i >= 0; i--) {
      const u = this.unsettled[i]!;
      if (u.seq <= seq) continue;
      this.seeds = u.previous;
      this.unsettled.splice(i, 1);
    }
  }
}

/** Makes what `cross_signing` inputs call for. */
export class CrossSigner {
  /** Seeds given for an import, by transaction ID, until their input is folded (never logged). */
  private readonly staged = new Map<string, CrossSigningSeeds>();

  constructor(
    private readonly olm: typeof Olm,
    private readonly account: OwnAccount,
    private readonly vault: Vault,
    readonly seeds: OwnCrossSigningSeeds,
    private readonly newId: () => string,
  ) {}

  /** The public keys of seeds given for an import (null for a seed that is not 32 bytes of unpadded base64). */
  publicKeys(seeds: CrossSigningSeeds): Partial<Record<CrossSigningRole, string | null>> {
    const out: Partial<Record<CrossSigningRole, string | null>> = {};
    for (const role of CROSS_SIGNING_ROLES) if (seeds[role] !== undefined) out[role] = publicKeyOfSeed(this.olm, seeds[role]!);
    return out;
  }

  stage(seeds: CrossSigningSeeds): string {
    const txnId = this.newId();
    this.staged.set(txnId, seeds);
    return txnId;
  }

  unstage(txnId: string): void {
    this.staged.delete(txnId);
  }

  /** What the input (logged at `inputSeq`) makes, read from the state with it folded. */
  after(envelope: CrossSigningEnvelope, inputSeq: number, state: LedgerState): CrossSigningMade | null {
    const made: CrossSigningMade = { facts: [], ops: [] };
    switch (envelope.action) {
      case 'bootstrap':
        this.bootstrap(inputSeq, made);
        break;
      case 'import': {
        const seeds = envelope.txn_id === undefined ? undefined : this.staged.get(envelope.txn_id);
        if (envelope.txn_id !== undefined) this.staged.delete(envelope.txn_id);
        if (seeds !== undefined) this.importSeeds(envelope, seeds, inputSeq, state, made);
        break;
      }
      case 'sign_device':
      case 'sign_user':
        this.sign(envelope, inputSeq, state, made);
        break;
    }
    return made.facts.length > 0 ? made : null;
  }

  /**
   * New master, self-signing and user-signing keys: the subkeys signed by the master key,
   * the master key signed by our device (as clients do), our device signed by the
   * self-signing key. The seeds are sealed in this batch; the uploads are two requests,
   * to send in order (the signatures need the keys on the server first).
   */
  private bootstrap(inputSeq: number, made: CrossSigningMade): void {
    const userId = this.account.userId;
    const keys = { master: CrossSigningKey.generate(this.olm), self_signing: CrossSigningKey.generate(this.olm), user_signing: CrossSigningKey.generate(this.olm) };
    try {
      const unsigned = (role: CrossSigningRole, key: CrossSigningKey): UploadedCrossSigningKey => ({ user_id: userId, usage: [role], keys: { [`ed25519:${key.publicKey}`]: key.publicKey } });
      const master = unsigned('master', keys.master);
      const body: DeviceSigningUploadBody = {
        master_key: master,
        self_signing_key: keys.master.signJson(userId, unsigned('self_signing', keys.self_signing)),
        user_signing_key: keys.master.signJson(userId, unsigned('user_signing', keys.user_signing)),
      };
      const masterByDevice = this.account.signJson({ ...master, signatures: {} });
      const device = keys.self_signing.signJson(userId, this.account.deviceKeys());
      const seeds: CrossSigningSeeds = {};
      for (const role of CROSS_SIGNING_ROLES) {
        seeds[role] = keys[role].exportSeed();
        made.ops.push(this.vault.putOp(crossSigningVaultKey(role), seeds[role]!));
      }
      this.seeds.set(inputSeq, seeds);
      made.facts.push({
        kind: 'own_cross_signing_keys',
        payload: { input_seq: inputSeq, master: keys.master.publicKey, self_signing: keys.self_signing.publicKey, user_signing: keys.user_signing.publicKey, source: 'bootstrap' },
      });
      made.facts.push({ kind: 'outgoing_request', payload: { id: this.newId(), type: 'device_signing_upload', input_seq: inputSeq, body } });
      made.facts.push({
        kind: 'outgoing_request',
        payload: { id: this.newId(), type: 'signature_upload', input_seq: inputSeq, body: { [userId]: { [this.account.deviceId]: device, [keys.master.publicKey]: masterByDevice } } },
      });
    } finally {
      for (const key of Object.values(keys)) key.free();
    }
  }

  /** Seeds that derive to the keys the input names, which the slice allowed: sealed, and held. */
  private importSeeds(envelope: Extract<CrossSigningEnvelope, { action: 'import' }>, seeds: CrossSigningSeeds, inputSeq: number, state: LedgerState, made: CrossSigningMade): void {
    if (!crossSigningImportVerdict(state, envelope).ok) return;
    const derived = this.publicKeys(seeds);
    const accepted: CrossSigningSeeds = {};
    for (const role of CROSS_SIGNING_ROLES) {
      if (envelope[role] === undefined) continue;
      if (seeds[role] === undefined || derived[role] !== envelope[role]) return;
      accepted[role] = seeds[role];
    }
    for (const [role, seed] of Object.entries(accepted) as [CrossSigningRole, string][]) made.ops.push(this.vault.putOp(crossSigningVaultKey(role), seed));
    this.seeds.set(inputSeq, accepted);
    const before = ownCrossSigningKeys(state);
    made.facts.push({
      kind: 'own_cross_signing_keys',
      payload: {
        input_seq: inputSeq,
        master: envelope.master ?? before?.master ?? null,
        self_signing: envelope.self_signing ?? before?.selfSigning ?? null,
        user_signing: envelope.user_signing ?? before?.userSigning ?? null,
        source: envelope.source,
      },
    });
  }

  /** A signature of our device (self-signing key) or of a user's master key (user-signing key), when the slice allows it. */
  private sign(envelope: Extract<CrossSigningEnvelope, { action: 'sign_device' | 'sign_user' }>, inputSeq: number, state: LedgerState, made: CrossSigningMade): void {
    const verdict = crossSignVerdict(state, envelope);
    if (!verdict.ok) return;
    const seed = this.seeds.get(envelope.action === 'sign_device' ? 'self_signing' : 'user_signing');
    const key = seed === undefined ? null : CrossSigningKey.fromSeed(this.olm, seed);
    if (key === null) return;
    try {
      if (key.publicKey !== verdict.by) return;
      // The object keeps its owner's fields and carries only our new signature, under our user.
      const signed = key.signJson(this.account.userId, JSON.parse(verdict.signedJson) as Record<string, unknown>);
      const body = { [verdict.userId]: { [verdict.keyId]: signed } };
      made.facts.push({ kind: 'outgoing_request', payload: { id: this.newId(), type: 'signature_upload', input_seq: inputSeq, body } });
    } finally {
      key.free();
    }
  }
}
