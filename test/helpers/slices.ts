/**
 * Given/when/then for slices, in the shape of emmett's `DeciderSpecification`: given these
 * entries, when this one is folded, then these decisions and this state.
 *
 * `World` folds entries with the real projector and slices, from seq 0 (`ledger_created`
 * of our device `@me:example.org` / `MEDEV`). Olm messages are really encrypted by testkit
 * devices and really decrypted by our own device, and room keys are examined with the real
 * `examineRoomKey`, so facts are what ingestion would log (facts cannot come in through the
 * public envelope, so this folds entries directly). `LedgerWorld` sends the same envelopes
 * through a real ledger in a temporary folder, for tests of what the engine keeps
 * (snapshots, `stateAt`, reopening).
 */
import { strict as assert } from 'node:assert';
import { deviceTrust, identityState, openLedger, type DeviceTrust, type IdentityStateName, type Ledger, type LedgerOptions } from '../../src/index.js';
import type { EntryKind, LedgerEntry } from '../../events/entry.js';
import type { MegolmDecryptedPayload, MegolmUndecryptablePayload, OlmDecryptedPayload, RoomKeyFacts } from '../../events/facts.js';
import { defaultSlices } from '../../projections/index.js';
import type { Decision } from '../../projections/decision.js';
import { megolmSession, megolmSessionForEvent } from '../../projections/megolm/selectors.js';
import { sha256Hex } from '../../src/canonical.js';
import { OlmFailure } from '../../src/crypto/failure.js';
import { InboundMegolmSession, type MegolmPlaintext } from '../../src/crypto/megolm-session.js';
import { loadOlm, type Olm } from '../../src/crypto/olm.js';
import { OlmCryptoPort } from '../../src/crypto/port.js';
import { examineRoomKey } from '../../src/ingest/examine-key.js';
import { replaceSecrets } from '../../src/redact.js';
import { Projector, stateHash, type LedgerState } from '../../src/runtime/projector.js';
import {
  keysQueryResponse, SimDevice, SimUser, type DeviceKeys, type EncryptToDeviceOptions, type KeysQueryResponse, type KeysQueryUser, type MegolmRoomEvent, type OlmToDeviceEvent, type SimOutboundGroupSession,
} from '../../src/testkit/index.js';
import { codes } from './decisions.js';
import { tempDir } from './tmp.js';

export { assertTrust, codes, copy, none, only } from './decisions.js';

export const ME = '@me:example.org';
export const MY_DEVICE = 'MEDEV';
export const ALICE = '@alice:example.org';
export const BOB = '@bob:example.org';
export const ROOM = '!room:example.org';

let port: OlmCryptoPort | undefined;

/** An entry before it is folded: what a test gives and what it folds. */
export interface Input {
  readonly kind: EntryKind;
  readonly payload: unknown;
}

/** A `keys_query` envelope listing testkit users. */
export function listing(...users: KeysQueryUser[]): Input {
  return keysQueryBody(keysQueryResponse({ users }));
}

/** A `keys_query` envelope with this response body (to tamper with). */
export function keysQueryBody(response: KeysQueryResponse | Record<string, unknown>): Input {
  return { kind: 'keys_query', payload: { kind: 'keys_query', response } };
}

/** A `user_action` envelope. */
export function userAction(action: string, fields: Record<string, string>): Input {
  return { kind: 'user_action', payload: { kind: 'user_action', action, ...fields } };
}

/** A plaintext `to_device` envelope. */
export function plaintextToDevice(type: string, sender: string, content: Record<string, unknown>): Input {
  return { kind: 'to_device', payload: { kind: 'to_device', event: { type, sender, content } } };
}

const made: SimUser[] = [];

/** A testkit user with the given devices. Freed by `freeAll` (or by the world that made it). */
export async function user(userId: string, ...deviceIds: string[]): Promise<SimUser> {
  const u = await SimUser.create(userId);
  for (const d of deviceIds) await u.addDevice(d);
  made.push(u);
  return u;
}

/** Frees every user made by `user`. */
export function freeAll(): void {
  for (const u of made.splice(0)) u.free();
}

/** What a `when` must have decided, and what must hold after it. */
export interface Then {
  /** Exactly these codes, in order: nothing else happened. */
  readonly codes: readonly string[];
  /** Checks of the state after the entry. */
  readonly state?: (state: LedgerState, world: World) => void;
}

/** One fold of entries from seq 0: our device, the projector, the state and every decision. */
export class World {
  readonly entries: LedgerEntry[] = [];
  readonly decisions: Decision[] = [];
  state: LedgerState;
  private readonly talkedTo = new Set<SimDevice>();
  private readonly users: SimUser[] = [];

  private constructor(
    readonly olm: typeof Olm,
    readonly projector: Projector,
    /** Our own device: its keys are in `ledger_created`, and it decrypts what is sent to us. */
    readonly me: SimDevice,
  ) {
    this.state = projector.initial();
    this.append('ledger_created', { user_id: ME, device_id: MY_DEVICE, keys: { curve25519: me.curve25519, ed25519: me.ed25519 }, engine_version: 'test' });
  }

  static async create(): Promise<World> {
    const olm = await loadOlm();
    port ??= new OlmCryptoPort(olm);
    return new World(olm, new Projector(defaultSlices, port), await SimDevice.create(ME, MY_DEVICE));
  }

  /** A testkit user with devices; freed by `free()`. */
  async user(userId: string, ...deviceIds: string[]): Promise<SimUser> {
    const u = await SimUser.create(userId);
    for (const d of deviceIds) await u.addDevice(d);
    this.users.push(u);
    return u;
  }

  /** A sender for Megolm tests: `userId` with one device, and a new outbound session of that device in `roomId`. */
  async sender(userId: string, deviceId: string, roomId: string): Promise<{ user: SimUser; device: SimDevice; out: SimOutboundGroupSession }> {
    const user = await this.user(userId, deviceId);
    const device = user.devices.get(deviceId)!;
    return { user, device, out: device.createOutboundSession(roomId) };
  }

  /**
   * Given these entries (folded in order), when this one is folded, then it decides exactly
   * `then.codes` and `then.state` holds. Returns the decisions of the `when` entry.
   */
  given(...inputs: Input[]): { when(input: Input): { then(then: Then): Decision[] } } {
    for (const i of inputs) this.fold(i);
    return {
      when: (input) => ({
        then: (then) => {
          const decided = this.fold(input);
          assert.deepEqual(codes(decided), [...then.codes], `when ${input.kind}`);
          then.state?.(this.state, this);
          return decided;
        },
      }),
    };
  }

  /** Folds one input and returns the decisions it caused. */
  fold(input: Input): Decision[] {
    return this.append(input.kind, input.payload);
  }

  /** Folds one entry and returns the decisions it caused. */
  append(kind: string, payload: unknown): Decision[] {
    const entry: LedgerEntry = { seq: this.entries.length, receivedAt: 1_700_000_000_000 + this.entries.length, kind, payload, prevHash: '', hash: '' };
    this.entries.push(entry);
    const out: Decision[] = [];
    this.state = this.projector.fold(this.state, [entry], out);
    this.decisions.push(...out);
    return out;
  }

  get head(): number {
    return this.entries.length - 1;
  }

  /** Folds a `/keys/query` response listing testkit users. */
  keysQuery(...users: KeysQueryUser[]): Decision[] {
    return this.fold(listing(...users));
  }

  /** Folds a `/keys/query` response body as given. */
  keysQueryBody(response: KeysQueryResponse | Record<string, unknown>): Decision[] {
    return this.fold(keysQueryBody(response));
  }

  /** Our own device keys, as the server would list them. */
  myDeviceKeys(): DeviceKeys {
    return { ...this.me.deviceKeys() };
  }

  trust(userId: string, deviceId: string): DeviceTrust {
    return deviceTrust(this.state, userId, deviceId);
  }

  identity(userId: string): IdentityStateName {
    return identityState(this.state, userId);
  }

  /** Lists our own user (our device included) with `others`, and verifies each of `verified`. */
  ownDevices(me: SimUser, others: SimDevice[], verified: SimDevice[] = []): void {
    this.keysQuery({ user: me, devices: [this.me.deviceKeys(), ...others], crossSigned: false });
    for (const d of verified) this.action('verify_device', { user_id: ME, device_id: d.deviceId, ed25519: d.ed25519 });
  }

  action(action: string, fields: Record<string, string>): Decision[] {
    return this.fold(userAction(action, fields));
  }

  requestKey(roomId: string, senderKey: string, sessionId: string, requestId = `req-${this.entries.length}`): Decision[] {
    return this.action('request_room_key', { room_id: roomId, sender_key: senderKey, session_id: sessionId, request_id: requestId });
  }

  /** A plaintext to-device event. */
  toDevice(type: string, sender: string, content: Record<string, unknown>): Decision[] {
    return this.fold(plaintextToDevice(type, sender, content));
  }

  /**
   * `from` Olm-encrypts `type`/`content` to us; we decrypt it for real and log the
   * `to_device` input and its `olm_decrypted` fact, as ingestion would. `fact` overrides
   * fact fields after the honest ones.
   */
  sendOlm(from: SimDevice, type: string, content: Record<string, unknown>, opts: EncryptToDeviceOptions = {}, fact: Partial<OlmDecryptedPayload> = {}): Decision[] {
    const recipient = this.talkedTo.has(from) ? this.me.asRecipient() : this.me.claimOneTimeKey();
    this.talkedTo.add(from);
    const event = from.encryptToDevice({ ...recipient, userId: ME }, type, content, opts);
    return this.deliverOlm(event, fact);
  }

  /** Logs an Olm to-device event and the fact of decrypting it with our device. */
  deliverOlm(event: OlmToDeviceEvent, fact: Partial<OlmDecryptedPayload> = {}): Decision[] {
    const out = this.append('to_device', { kind: 'to_device', event });
    const mine = event.content.ciphertext[this.me.curve25519]!;
    const decrypted = this.me.decryptToDevice(event);
    const payload = decrypted.payload;
    const factSeq = this.entries.length;
    const full: OlmDecryptedPayload = {
      input_seq: factSeq - 1,
      sender: event.sender,
      sender_key: event.content.sender_key,
      olm_session_id: decrypted.sessionId,
      message_type: mine.type as 0 | 1,
      new_session: mine.type === 0,
      ciphertext_hash: sha256Hex(mine.body),
      plaintext: replaceSecrets(payload, '[sealed]') as unknown as OlmDecryptedPayload['plaintext'],
      plaintext_error: null,
      sealed_plaintext: '',
      room_key: this.roomKeyFacts(payload.type, payload.content, event.content.sender_key, factSeq),
      ...fact,
    };
    return [...out, ...this.append('olm_decrypted', full)];
  }

  /** What `examineRoomKey` says about a room key in a payload, against the stored session. */
  roomKeyFacts(type: string, content: Record<string, unknown>, olmSenderKey: string, factSeq: number): RoomKeyFacts | null {
    if (type !== 'm.room_key' && type !== 'm.forwarded_room_key') return null;
    const c = content as { room_id: string; session_id: string; session_key: string; sender_key?: string };
    const senderKey = type === 'm.room_key' ? olmSenderKey : c.sender_key!;
    const stored = megolmSession(this.state, c.room_id, senderKey, c.session_id);
    return examineRoomKey(this.olm, c.session_key, type === 'm.room_key' ? 'shared' : 'exported', stored, `megolm/${factSeq}`).facts;
  }

  /**
   * Logs a room event and the fact ingestion would derive: decrypted with the stored
   * session (decrypting with `sessionKey`, the session's index-0 key the test holds), or
   * why not. `fact` overrides fields of a `megolm_decrypted` fact.
   */
  roomEvent(event: MegolmRoomEvent, sessionKeyAt0: string, roomId = event.room_id, fact: Partial<MegolmDecryptedPayload> = {}): Decision[] {
    const out = this.append('room_event', { kind: 'room_event', room_id: roomId, event });
    const inputSeq = this.head;
    const inbound = InboundMegolmSession.import(this.olm, sessionKeyAt0, 'shared');
    if (inbound instanceof OlmFailure) throw new Error(`the test's session key does not import: ${inbound.code}`);
    let plain: MegolmPlaintext | OlmFailure;
    try {
      plain = inbound.decrypt(event.content.ciphertext);
    } finally {
      inbound.free();
    }
    if (plain instanceof OlmFailure) throw new Error(`the test's session key does not decrypt the event: ${plain.code}`);
    const base = { input_seq: inputSeq, room_id: roomId, event_id: event.event_id, sender: event.sender, origin_server_ts: event.origin_server_ts, session_id: event.content.session_id };
    const session = megolmSessionForEvent(this.state, roomId, event.content.sender_key, event.content.session_id);
    if (session === undefined || plain.messageIndex < session.firstKnownIndex) {
      const failure: MegolmUndecryptablePayload = {
        ...base, sender_key: event.content.sender_key, reason: session === undefined ? 'no_session' : 'unknown_index', message_index: plain.messageIndex, detail: '',
      };
      return [...out, ...this.append('megolm_undecryptable', failure)];
    }
    const room = (JSON.parse(plain.plaintext) as { room_id?: unknown }).room_id;
    const decrypted: MegolmDecryptedPayload = {
      ...base,
      sender_key: session.senderKey,
      message_index: plain.messageIndex,
      key_seq: session.keySeq,
      plaintext_type: 'm.room.message',
      plaintext_room_id: typeof room === 'string' ? room : null,
      ...fact,
    };
    return [...out, ...this.append('megolm_decrypted', decrypted)];
  }

  hash(): string {
    return stateHash(this.state);
  }

  free(): void {
    for (const u of this.users.splice(0)) u.free();
    this.me.free();
  }
}

/**
 * The same inputs through a real ledger of `@me:example.org` / `MEDEV` in a temporary
 * folder (entries get consecutive fixed times), for what only the engine does: snapshots,
 * `stateAt`, reopening. Facts come from the ledger's own ingestion.
 */
export class LedgerWorld {
  private constructor(
    readonly ledger: Ledger,
    private readonly dir: { path: string; cleanup(): void },
  ) {}

  static async create(options: Partial<LedgerOptions> = {}): Promise<LedgerWorld> {
    const dir = tempDir('keyledger-slices-');
    let t = 1_700_000_000_000;
    const ledger = await openLedger({ path: dir.path, userId: ME, deviceId: MY_DEVICE, now: () => t++, unencryptedVault: true, ...options });
    return new LedgerWorld(ledger, dir);
  }

  /** Ingests one input's envelope and returns the decisions it caused. */
  async ingest(input: Input): Promise<Decision[]> {
    return (await this.ledger.ingestUnknown(input.payload)).decisions;
  }

  keysQuery(...users: KeysQueryUser[]): Promise<Decision[]> {
    return this.ingest(listing(...users));
  }

  keysQueryBody(response: KeysQueryResponse | Record<string, unknown>): Promise<Decision[]> {
    return this.ingest(keysQueryBody(response));
  }

  action(action: string, fields: Record<string, string>): Promise<Decision[]> {
    return this.ingest(userAction(action, fields));
  }

  get state(): LedgerState {
    return this.ledger.state();
  }

  /** Our own device keys, as the server would list them. */
  myDeviceKeys(): DeviceKeys {
    return { ...this.ledger.deviceKeys() };
  }

  /** The ledger folder (to reopen it). */
  get path(): string {
    return this.dir.path;
  }

  async free(): Promise<void> {
    await this.ledger.close();
    this.dir.cleanup();
  }
}
