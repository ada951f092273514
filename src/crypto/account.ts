import { canonicalJson } from '../canonical.js';
import { attempt, OlmFailure } from './failure.js';
import type { Olm } from './olm.js';
import { OlmSession } from './olm-session.js';

// The pickle sits inside the vault, which does the encryption at rest; olm's own pickle
// key only has to be stable.
const PICKLE_KEY = 'keyledger-account';

// These are type aliases, not interfaces, on purpose: an alias is assignable to a JSON
// record with an index signature (the testkit's `DeviceKeys`, a client's own JSON type),
// an interface is not, and `bob.crossSign(ledger.deviceKeys())` would need a cast.

/** Signed device keys, as `/keys/upload` and `/keys/query` carry them. */
export type SignedDeviceKeys = {
  user_id: string;
  device_id: string;
  algorithms: string[];
  keys: Record<string, string>;
  signatures: Record<string, Record<string, string>>;
};

/** A signed curve25519 key for `/keys/upload` (`one_time_keys` or `fallback_keys`). */
export type SignedCurveKey = {
  key: string;
  fallback?: true;
  signatures: Record<string, Record<string, string>>;
};

/** The `/keys/upload` request body. */
export interface KeysUploadBody {
  device_keys?: SignedDeviceKeys;
  one_time_keys: Record<string, SignedCurveKey>;
  fallback_keys?: Record<string, SignedCurveKey>;
}

/**
 * Our own device: an olm Account, kept pickled in the vault. The engine is the only user;
 * clients get its public keys and signed upload bodies, never the account itself.
 */
export class OwnAccount {
  private constructor(
    private readonly olm: typeof Olm,
    private readonly account: Olm.Account,
    readonly userId: string,
    readonly deviceId: string,
  ) {}

  static create(olm: typeof Olm, userId: string, deviceId: string): OwnAccount {
    const account = new olm.Account();
    account.create();
    return new OwnAccount(olm, account, userId, deviceId);
  }

  static unpickle(olm: typeof Olm, userId: string, deviceId: string, pickle: string): OwnAccount {
    const account = new olm.Account();
    account.unpickle(PICKLE_KEY, pickle);
    return new OwnAccount(olm, account, userId, deviceId);
  }

  /** The device's public identity keys. */
  identityKeys(): { curve25519: string; ed25519: string } {
    const keys = JSON.parse(this.account.identity_keys()) as { curve25519: string; ed25519: string };
    return { curve25519: keys.curve25519, ed25519: keys.ed25519 };
  }

  /** Signs a message with the device's ed25519 key (unpadded base64). */
  sign(message: string): string {
    return this.account.sign(message);
  }

  /** Signs a JSON object as the spec's "Signing JSON" says, returning a signed copy. */
  signJson<T extends object>(value: T): T & { signatures: Record<string, Record<string, string>> } {
    const { signatures, unsigned, ...rest } = value as Record<string, unknown>;
    const signature = this.sign(canonicalJson(rest));
    const existing = (signatures ?? {}) as Record<string, Record<string, string>>;
    const merged = { ...existing, [this.userId]: { ...(existing[this.userId] ?? {}), [`ed25519:${this.deviceId}`]: signature } };
    return { ...(value as object), signatures: merged } as T & { signatures: Record<string, Record<string, string>> };
  }

  deviceKeys(): SignedDeviceKeys {
    const { curve25519, ed25519 } = this.identityKeys();
    return this.signJson({
      user_id: this.userId,
      device_id: this.deviceId,
      algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
      keys: { [`curve25519:${this.deviceId}`]: curve25519, [`ed25519:${this.deviceId}`]: ed25519 },
      signatures: {},
    });
  }

  /** Half the account's maximum, as clients keep on the server. */
  defaultBatchSize(): number {
    return Math.floor(this.account.max_number_of_one_time_keys() / 2);
  }

  /**
   * Drops the private half of the fallback key before the current one (olm keeps the
   * current and the one before it). The caller must persist the account in the same step.
   */
  forgetOldFallbackKey(): void {
    this.account.forget_old_fallback_key();
  }

  /** The most one-time keys the account holds. */
  maxOneTimeKeys(): number {
    return this.account.max_number_of_one_time_keys();
  }

  /**
   * A fresh batch of signed one-time keys and a signed fallback key, marked published.
   * The caller must persist the account (`pickle`) in the same step it hands these out.
   */
  publishKeys(count = this.defaultBatchSize(), withDeviceKeys = false): KeysUploadBody {
    return this.uploadBody({ oneTimeKeys: count, fallbackKey: true, deviceKeys: withDeviceKeys });
  }

  /**
   * A `/keys/upload` body with `oneTimeKeys` new signed one-time keys, a new signed
   * fallback key if asked (the previous one is kept until the next rotation, as olm does)
   * and our device keys if asked; the new keys are marked published. The caller must
   * persist the account (`pickle`) in the same step it hands these out.
   */
  uploadBody(want: { oneTimeKeys: number; fallbackKey: boolean; deviceKeys: boolean }): KeysUploadBody {
    if (want.oneTimeKeys > 0) this.account.generate_one_time_keys(want.oneTimeKeys);
    if (want.fallbackKey) this.account.generate_fallback_key();
    const otks = JSON.parse(this.account.one_time_keys()) as { curve25519: Record<string, string> };
    const fallback = JSON.parse(this.account.unpublished_fallback_key()) as { curve25519: Record<string, string> };
    const body: KeysUploadBody = { one_time_keys: {} };
    for (const [id, key] of Object.entries(otks.curve25519)) {
      body.one_time_keys[`signed_curve25519:${id}`] = this.signJson({ key, signatures: {} });
    }
    const fallbackKeys: Record<string, SignedCurveKey> = {};
    for (const [id, key] of Object.entries(fallback.curve25519)) {
      fallbackKeys[`signed_curve25519:${id}`] = this.signJson({ key, fallback: true as const, signatures: {} });
    }
    if (Object.keys(fallbackKeys).length > 0) body.fallback_keys = fallbackKeys;
    if (want.deviceKeys) body.device_keys = this.deviceKeys();
    this.account.mark_keys_as_published();
    return body;
  }

  /**
   * Opens an inbound Olm session from a pre-key message no session of ours matches, and
   * decrypts it: the one-time key it used is removed from the account, so the caller must
   * persist the account (`pickle`) in the batch that logs the message. On failure nothing
   * changes.
   */
  acceptPreKeyMessage(senderKey: string, body: string): { session: OlmSession; plaintext: string } | OlmFailure {
    const session = new this.olm.Session();
    const plaintext = attempt(() => {
      session.create_inbound_from(this.account, senderKey, body);
      const text = session.decrypt(0, body);
      this.account.remove_one_time_keys(session);
      return text;
    });
    if (plaintext instanceof OlmFailure) {
      session.free();
      return plaintext;
    }
    return { session: OlmSession.wrap(session), plaintext };
  }

  /**
   * An outbound Olm session with a device, from its Curve25519 identity key and a one-time
   * (or fallback) key claimed for it; the caller checks the claimed key's signature first.
   */
  createOutboundSession(theirIdentityKey: string, theirOneTimeKey: string): OlmSession | OlmFailure {
    const session = new this.olm.Session();
    const made = attempt(() => session.create_outbound(this.account, theirIdentityKey, theirOneTimeKey));
    if (made instanceof OlmFailure) {
      session.free();
      return made;
    }
    return OlmSession.wrap(session);
  }

  pickle(): string {
    return this.account.pickle(PICKLE_KEY);
  }

  free(): void {
    this.account.free();
  }
}
