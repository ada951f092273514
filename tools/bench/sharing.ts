import { loadOlm, type Olm } from '../../src/crypto/olm.js';
import { canonicalJson } from '../../src/canonical.js';
import { openLedger, type Ledger, type OutgoingRequest } from '../../src/index.js';
import { SimDevice, type DeviceKeys, type KeysQueryResponse, type SignedCurve25519Key } from '../../src/testkit/index.js';
import { RustSdk, rustDevice, rustEncrypt, rustKeysClaim, rustKeysQuery, rustShare, rustUpload } from './rust.js';
import { fmt, scratch, seconds } from './util.js';

const ALICE = '@alice:example.org';
const SHARE_ROOM = '!share:example.org';
const WARMUP_ROOM = '!share-warmup:example.org';
const ENC_ROOM = '!encrypt:example.org';
/** Devices each sender shares with, untimed, before the timed share (their own Olm sessions). */
const WARMUP_DEVICES = 20;
/** Devices of the room the encryption rows use (they already share an Olm session with both senders). */
const ENC_DEVICES = 10;
/** Untimed events each sender encrypts first. */
const ENC_WARMUP = 1_000;
/** Messages per Megolm session on the Rust side: it caps rotation (see room-events.ts). */
const SESSION_MSGS = 10_000;
const ROUNDS = 10;
/** keyledger calls in flight at once in the concurrent row. */
const WINDOW = 100;
const YEAR_MS = 365 * 24 * 3600 * 1000;

type Keys = Record<string, Record<string, Record<string, SignedCurve25519Key>>>;

const gc = () => (globalThis as { gc?: () => void }).gc?.();

function keysQuery(devices: DeviceKeys[]): KeysQueryResponse {
  const response: KeysQueryResponse = { device_keys: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {}, failures: {} };
  for (const d of devices) (response.device_keys[d.user_id] ??= {})[d.device_id] = structuredClone(d);
  return response;
}

/** `users` users with two libolm devices each; one one-time key per device for each sender. */
async function makeDevices(prefix: string, users: number): Promise<{ users: string[]; devices: SimDevice[]; query: KeysQueryResponse; ours: Keys; rust: Keys; floor: Keys }> {
  const devices: SimDevice[] = [];
  const ours: Keys = {};
  const rust: Keys = {};
  const floor: Keys = {};
  for (let u = 0; u < users; u++) {
    for (let d = 0; d < 2; d++) {
      const device = await SimDevice.create(`@${prefix}${u}:example.org`, `${prefix.toUpperCase()}${u}D${d}`);
      const [a, b, c] = Object.entries(device.oneTimeKeys(3));
      (ours[device.userId] ??= {})[device.deviceId] = Object.fromEntries([a!]);
      (rust[device.userId] ??= {})[device.deviceId] = Object.fromEntries([b!]);
      (floor[device.userId] ??= {})[device.deviceId] = Object.fromEntries([c!]);
      devices.push(device);
    }
  }
  return { users: Object.keys(ours), devices, query: keysQuery(devices.map((d) => d.deviceKeys())), ours, rust, floor };
}

/**
 * The floor any engine on libolm pays to share a room key with these devices, with no log,
 * no state and no decisions: per device, the claimed key's signature checked, a new
 * outbound Olm session, the `m.room_key` payload encrypted, the session pickled.
 */
function libolmShareFloor(olm: typeof Olm, set: { devices: SimDevice[]; floor: Keys }, payloadBytes: number): number {
  const account = new olm.Account();
  const utility = new olm.Utility();
  try {
    account.create();
    const payload = 'x'.repeat(payloadBytes);
    const start = process.hrtime.bigint();
    for (const device of set.devices) {
      const [, key] = Object.entries(set.floor[device.userId]![device.deviceId]!)[0]!;
      const { signatures, ...unsigned } = key as SignedCurve25519Key & { signatures: Record<string, Record<string, string>> };
      utility.ed25519_verify(device.ed25519, canonicalJson(unsigned), signatures[device.userId]![`ed25519:${device.deviceId}`]!);
      const session = new olm.Session();
      session.create_outbound(account, device.curve25519, key.key);
      session.encrypt(payload);
      session.pickle('floor');
      session.free();
    }
    return Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    utility.free();
    account.free();
  }
}

/** Messages per device in keyledger's to_device requests, each marked sent. */
async function sendToDevice(ledger: Ledger, requests: OutgoingRequest[]): Promise<Map<string, { sender_key: string; ciphertext: Record<string, { type: number; body: string }> }>> {
  const out = new Map<string, { sender_key: string; ciphertext: Record<string, { type: number; body: string }> }>();
  for (const r of requests) {
    if (r.type !== 'to_device') continue;
    for (const devices of Object.values(r.body.messages)) for (const [id, content] of Object.entries(devices)) out.set(id, content as never);
    await ledger.markRequestAsSent(r.id, r.type, {});
  }
  return out;
}

/**
 * Outbound sharing and encryption: keyledger (Alice) and a Rust OlmMachine (Alice) each
 * share a new room key with the same libolm devices, each claiming its own one-time key
 * per device and making a new Olm session; then each encrypts the same events in a room.
 */
export async function benchSharing(devices: number, n: number): Promise<string[]> {
  const dir = scratch('sharing');
  let ledger: Ledger | undefined;
  let machine: RustSdk.OlmMachine | undefined;
  const sims: SimDevice[] = [];
  try {
    const ours = (ledger = await openLedger({ path: dir.path, userId: ALICE, deviceId: 'ALICEKL', storeKey: 'bench store key' }));
    const rust = (machine = await rustDevice(ALICE, 'ALICERS'));
    await rustUpload(rust);
    const warm = await makeDevices('w', WARMUP_DEVICES / 2);
    const main = await makeDevices('u', Math.ceil(devices / 2));
    sims.push(...warm.devices, ...main.devices);
    const total = main.devices.length;

    // Both learn the devices from /keys/query (untimed).
    const query = keysQuery([...warm.devices, ...main.devices].map((d) => d.deviceKeys()));
    await ours.updateTrackedUsers([...warm.users, ...main.users]);
    for (const r of ours.outgoingRequests()) if (r.type === 'keys_query') await ours.markRequestAsSent(r.id, r.type, query);
    await rustKeysQuery(rust, query);

    const settings = new RustSdk.EncryptionSettings();
    settings.rotationPeriodMessages = BigInt(SESSION_MSGS);
    settings.rotationPeriod = BigInt(365 * 24 * 3600) * 1_000_000n;
    const ourSettings = { rotationPeriodMsgs: 2 * (n + ENC_WARMUP) + 10, rotationPeriodMs: YEAR_MS };

    /** keyledger: claim, sessions, room key to every device; the to-device contents by device. */
    const ourShare = async (room: string, set: typeof main) => {
      const claim = await ours.getMissingSessions(set.users);
      if (!claim) throw new Error('sharing bench: keyledger asked for no keys_claim');
      await ours.markRequestAsSent(claim.id, claim.type, { one_time_keys: set.ours, failures: {} });
      const share = await ours.shareRoomKey(room, set.users, ourSettings);
      return sendToDevice(ours, share.requests);
    };
    const rustFullShare = async (room: string, set: typeof main) => {
      await rustKeysClaim(rust, set.rust);
      return rustShare(rust, room, set.users, settings);
    };

    // --- 1. Sharing: a warm-up on other devices, then the timed share with `total` devices.
    for (const [who, sent] of [['keyledger', await ourShare(WARMUP_ROOM, warm)], ['Rust SDK', await rustFullShare(WARMUP_ROOM, warm)]] as const) {
      if (sent.size !== warm.devices.length) throw new Error(`sharing bench: ${who} warm-up reached ${sent.size} of ${warm.devices.length} devices`);
    }
    gc();
    let ourSent = new Map<string, unknown>();
    const ourShareTime = await seconds(async () => {
      ourSent = await ourShare(SHARE_ROOM, main);
    });
    gc();
    let rustSent = new Map<string, unknown>();
    const rustShareTime = await seconds(async () => {
      rustSent = await rustFullShare(SHARE_ROOM, main);
    });
    gc();
    const olm = await loadOlm();
    const floorShareTime = libolmShareFloor(olm, main, 1024);
    if (ourSent.size !== total || rustSent.size !== total) throw new Error(`sharing bench: keyledger reached ${ourSent.size}, the Rust SDK ${rustSent.size} of ${total} devices`);
    // Every device can read both room keys (checked after timing).
    for (const device of main.devices) {
      for (const [who, content] of [['keyledger', ourSent.get(device.deviceId)], ['Rust SDK', (rustSent.get(device.deviceId) as { content: unknown }).content]] as const) {
        const got = device.decryptToDevice({ content: content as never }).payload as { type?: string; content?: { room_id?: string } };
        if (got.type !== 'm.room_key' || got.content?.room_id !== SHARE_ROOM) throw new Error(`sharing bench: ${device.deviceId} did not get ${who}'s room key`);
      }
    }

    // --- 2. encryptRoomEvent: a room of ENC_DEVICES devices, the senders taking turns by slices.
    const encSet = { ...main, users: [...new Set(main.devices.slice(0, ENC_DEVICES).map((d) => d.userId))] };
    await sendToDevice(ours, (await ours.shareRoomKey(ENC_ROOM, encSet.users, ourSettings)).requests);
    const roomId = new RustSdk.RoomId(ENC_ROOM);
    let rustUsed = SESSION_MSGS;
    let i = 0;
    const content = () => ({ msgtype: 'm.text', body: `message ${i++}: shall we meet for lunch at noon, by the fountain on the square?` });
    const ourPhase = (count: number) =>
      seconds(async () => {
        for (let k = 0; k < count; k++) await ours.encryptRoomEvent(ENC_ROOM, 'm.room.message', content());
      });
    /** keyledger, WINDOW calls in flight at a time (as a client sending a burst; the ledger orders them). */
    const ourConcurrent = (count: number) =>
      seconds(async () => {
        for (let k = 0; k < count; k += WINDOW) {
          await Promise.all(Array.from({ length: Math.min(WINDOW, count - k) }, () => ours.encryptRoomEvent(ENC_ROOM, 'm.room.message', content())));
        }
      });
    /** The Rust SDK one at a time; a new session (untimed) exactly when the last one is used up (it only rotates an expired one). */
    const rustPhase = async (count: number) => {
      let time = 0;
      for (let done = 0; done < count; ) {
        if (rustUsed === SESSION_MSGS) {
          await rustShare(rust, ENC_ROOM, encSet.users, settings);
          rustUsed = 0;
        }
        const chunk = Math.min(count - done, SESSION_MSGS - rustUsed);
        time += await seconds(async () => {
          for (let k = 0; k < chunk; k++) await rustEncrypt(rust, roomId, i, content());
        });
        rustUsed += chunk;
        done += chunk;
      }
      return time;
    };
    /** Raw libolm: one kept `OutboundGroupSession`, the encryption alone (no log, no state, no pickle). */
    const floorSession = new olm.OutboundGroupSession();
    floorSession.create();
    const rawPhase = (count: number) =>
      seconds(async () => {
        for (let k = 0; k < count; k++) floorSession.encrypt(JSON.stringify({ type: 'm.room.message', content: content(), room_id: ENC_ROOM }));
      });
    await ourPhase(ENC_WARMUP);
    await ourConcurrent(ENC_WARMUP);
    await rustPhase(ENC_WARMUP);
    await rawPhase(ENC_WARMUP);
    const slice = Math.ceil(n / ROUNDS);
    const phases = [ourPhase, rustPhase, ourConcurrent, rawPhase];
    const times = [0, 0, 0, 0];
    for (let start = 0, round = 0; start < n; start += slice, round++) {
      const count = Math.min(slice, n - start);
      for (let k = 0; k < phases.length; k++) {
        const which = (round + k) % phases.length;
        gc();
        times[which]! += await phases[which]!(count);
      }
    }
    floorSession.free();
    const [ourEnc, rustEnc, ourConc, rawEnc] = times as [number, number, number, number];
    const concRatio = rustEnc / ourConc;
    const sessions = (await ours.decisions({ code: 'megolm_out.session_created' })).length;

    const verdict = (ratio: number, target: number) => (ratio >= target ? `met (≥ ${fmt(target, 1)}×)` : `**MISSED** (target ≥ ${fmt(target, 1)}×)`);
    const shareRatio = rustShareTime / ourShareTime;
    const encRatio = rustEnc / ourEnc;
    const ms = (t: number) => fmt(t * 1000, 1);
    const us = (t: number) => fmt((t / n) * 1e6, 1);
    return [
      `Alice shares as keyledger (default durability, every step logged) and as the Rust SDK OlmMachine (${rustVersion()}, in-memory store), in the same run, with the same ${fmt(total)} libolm devices (${fmt(total / 2)} users × 2), known to both from the same \`/keys/query\` response; each sender claims its own one-time key per device (the \`/keys/claim\` response built from the devices' real signed keys) and makes a new Olm session. Timed: \`getMissingSessions\`, the claim response, \`shareRoomKey\` and its to-device requests marked sent, not device creation nor \`/keys/query\`; after an untimed warm-up share with ${WARMUP_DEVICES} other devices. Every device's two room keys are decrypted and checked afterwards.`,
      '',
      `| measure | keyledger | Rust SDK | keyledger vs Rust SDK |`,
      '| --- | ---: | ---: | --- |',
      `| **share a new room key with ${fmt(total)} devices** (claim + ${fmt(total)} new Olm sessions + ${fmt(total)} encrypted room keys), ms | ${ms(ourShareTime)} | ${ms(rustShareTime)} | **${fmt(shareRatio, 2)}×** ${verdict(shareRatio, 1)} |`,
      `| **\`encryptRoomEvent\`, ${fmt(n)} events** one at a time, µs per event | ${us(ourEnc)} | ${us(rustEnc)} | **${fmt(encRatio, 2)}×** ${verdict(encRatio, 1.5)} |`,
      `| keyledger \`encryptRoomEvent\`, ${WINDOW} concurrent calls at a time (a burst of sends), µs per event | ${us(ourConc)} | ${us(rustEnc)} (one at a time) | ${fmt(concRatio, 2)}× ${verdict(concRatio, 1.5)} |`,
      '',
      `The floor under keyledger's figures is libolm itself (the fixed choice for all of keyledger's cryptography), measured in the same run with no log, no state and no decisions:`,
      '',
      '| libolm alone | time | vs the Rust SDK\'s whole call | the best keyledger ratio it leaves |',
      '| --- | ---: | ---: | --- |',
      `| share with ${fmt(total)} devices: per device the claimed key's signature checked, a new Olm session, the \`m.room_key\` encrypted, the session pickled; ms | ${ms(floorShareTime)} | ${fmt(rustShareTime / floorShareTime, 2)}× | ≤ ${fmt(rustShareTime / floorShareTime, 2)}× (target ${fmt(1, 1)}×) |`,
      `| \`OutboundGroupSession.encrypt\` alone, µs per event | ${us(rawEnc)} | ${fmt(rustEnc / rawEnc, 2)}× | ≤ ${fmt(rustEnc / rawEnc, 2)}× (target ${fmt(1.5, 1)}×) |`,
      '',
      `The encryption rows: a room shared with ${ENC_DEVICES} devices, after ${fmt(ENC_WARMUP)} untimed events each; timed in ${ROUNDS} rounds, the four runs (keyledger one at a time, the Rust SDK, keyledger concurrent, raw libolm) taking turns (the first changing every round). The Rust SDK caps a session's rotation, so it shares a new session every ${fmt(SESSION_MSGS)} events, untimed; keyledger's rotation is set above the event count (${sessions} outbound sessions made in the whole run).`,
    ];
  } finally {
    machine?.close();
    for (const s of sims) s.free();
    await ledger?.close();
    dir.cleanup();
  }
}

function rustVersion(): string {
  try {
    const v = RustSdk.getVersions();
    return `matrix-sdk-crypto ${v.matrix_sdk_crypto}`;
  } catch {
    return '?';
  }
}
