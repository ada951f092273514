import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { Olm } from '../../src/crypto/olm.js';
import { loadOlm } from '../../src/crypto/olm.js';
import { openLedger, type Ledger } from '../../src/index.js';
import { SimDevice, type DeviceKeys, type KeysQueryResponse, type MegolmRoomEvent, type SignedCurve25519Key } from '../../src/testkit/index.js';
import { compactedBytes, folderBytes } from './log-bytes.js';
import { RustSdk, rustDevice, rustEncrypt, rustKeysClaim, rustKeysQuery, rustShare, rustUpload } from './rust.js';
import { countMegolmDecrypts, fmt, scratch, seconds } from './util.js';

const ROOM = '!bench:example.org';
const WARMUP_ROOM = '!warmup:example.org';
const ALICE = '@alice:example.org';
/** Our ledger (ingestMany) and a second one (decryptRoomEvent), a Rust receiver, a libolm receiver. */
const ME = '@bob:example.org';
const ERIN = '@erin:example.org';
const CAROL = '@carol:example.org';
const DAVE = '@dave:example.org';
const WINDOW = 500;
/** The events are timed in this many slices, the receivers taking turns. */
const ROUNDS = 10;
/** Untimed events every receiver decrypts first (from another room), so each is timed warm. */
const WARMUP = 2_000;
/** Messages per Megolm session: the Rust SDK caps rotation (10,000 works; asked for 20,100 it panics with "Session expired"). */
const SESSION_MSGS = 10_000;

const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** A `/keys/query` body listing these device keys, without cross-signing. */
function keysQuery(devices: DeviceKeys[]): KeysQueryResponse {
  const response: KeysQueryResponse = { device_keys: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {}, failures: {} };
  for (const d of devices) (response.device_keys[d.user_id] ??= {})[d.device_id] = structuredClone(d);
  return response;
}

const firstKey = <K>(keys: Record<string, K>): Record<string, SignedCurve25519Key> => {
  const [id, key] = Object.entries(keys)[0]!;
  return { [id]: key as SignedCurve25519Key };
};

/** The envelope `ingestMany` is given for an event (as /sync delivers it, received 150 ms after it was sent). */
const envelopeOf = (event: MegolmRoomEvent) => ({ kind: 'room_event' as const, room_id: event.room_id, received_at: event.origin_server_ts + 150, event });

/** Issue #12's targets for `ingestMany` and `decryptRoomEvent`: against the Rust SDK and against raw libolm, in the same run. */
const VS_RUST_TARGET = 3.0;
const VS_RAW_TARGET = 0.7;

/** The log's target: bytes on disk per room event (the event and its fact, compacted) at most this many times the input's own. */
const LOG_BYTES_TARGET = 1.5;

const body = (room: string, i: number) => `${room} message ${i}: shall we meet for lunch at noon, by the fountain on the square?`;

/** One encrypted event and the body it must decrypt to. */
interface Sample {
  event: MegolmRoomEvent;
  body: string;
}

/** Seconds taken and how many events decrypted to the right body. */
interface Phase {
  time: number;
  ok: number;
}

/**
 * Room-event throughput on real events: the Rust SDK (as Alice) shares its Megolm session
 * with two keyledger devices, a Rust SDK device and a libolm device, then encrypts n
 * events once; each receiver decrypts the same events in the same run, after an untimed
 * warm-up on events of another room.
 */
export async function benchRoomEvents(n: number): Promise<string[]> {
  const dirA = scratch('room-events-a');
  const dirB = scratch('room-events-b');
  const olm = await loadOlm();
  const machines: RustSdk.OlmMachine[] = [];
  let ledgerA: Ledger | undefined;
  let ledgerB: Ledger | undefined;
  let dave: SimDevice | undefined;
  try {
    // --- Who is who: Alice (Rust) sends; Bob and Erin are keyledger, Carol is Rust, Dave is libolm.
    const bob = (ledgerA = await openLedger({ path: dirA.path, userId: ME, deviceId: 'BOBPHONE', storeKey: 'bench store key' }));
    const erin = (ledgerB = await openLedger({ path: dirB.path, userId: ERIN, deviceId: 'ERINPHONE', storeKey: 'bench store key' }));
    const uploadA = await bob.publishKeys({ withDeviceKeys: true });
    const uploadB = await erin.publishKeys({ withDeviceKeys: true });
    const alice = await rustDevice(ALICE, 'ALICEDEV');
    const carol = await rustDevice(CAROL, 'CAROLDEV');
    machines.push(alice, carol);
    const aliceKeys = (await rustUpload(alice)).device_keys;
    const carolUpload = await rustUpload(carol);
    const libolm = (dave = await SimDevice.create(DAVE, 'DAVEDEV'));

    await rustKeysQuery(alice, keysQuery([aliceKeys, uploadA.device_keys as DeviceKeys, uploadB.device_keys as DeviceKeys, carolUpload.device_keys, libolm.deviceKeys()]));
    await rustKeysClaim(alice, {
      [ME]: { BOBPHONE: firstKey(uploadA.one_time_keys) },
      [ERIN]: { ERINPHONE: firstKey(uploadB.one_time_keys) },
      [CAROL]: { CAROLDEV: firstKey(carolUpload.one_time_keys) },
      [DAVE]: { DAVEDEV: libolm.oneTimeKeys(1) },
    });
    await rustKeysQuery(carol, keysQuery([aliceKeys]));
    for (const l of [bob, erin]) await l.ingest({ kind: 'keys_query', response: keysQuery([aliceKeys]) });

    // The Rust SDK caps a session's rotation period (it panics on encrypting past it), so
    // every SESSION_MSGS events Alice shares a new session with every receiver.
    const settings = new RustSdk.EncryptionSettings();
    settings.rotationPeriodMessages = BigInt(SESSION_MSGS);
    settings.rotationPeriod = BigInt(365 * 24 * 3600) * 1_000_000n;
    const sessionKeys = new Map<string, string>();
    /** Encrypts `count` events in `room`, sharing each session with every receiver (keys delivered before any timing). */
    const encryptRoom = async (room: string, count: number) => {
      const roomId = new RustSdk.RoomId(room);
      const samples: Sample[] = [];
      let time = 0;
      for (let start = 0; start < count; start += SESSION_MSGS) {
        const shared = await rustShare(alice, room, [ME, ERIN, CAROL, DAVE], settings);
        for (const [l, device] of [[bob, 'BOBPHONE'], [erin, 'ERINPHONE']] as const) {
          const r = await l.ingest({ kind: 'to_device', event: shared.get(device)! });
          if (!r.decisions.some((d) => d.code === 'room_key.accepted')) throw new Error(`room-events bench: ${device} did not accept the room key (${r.decisions.map((d) => d.code).join()})`);
        }
        await carol.receiveSyncChanges(JSON.stringify([shared.get('CAROLDEV')]), new RustSdk.DeviceLists(), new Map(), new Set());
        const roomKey = libolm.decryptToDevice(shared.get('DAVEDEV')!).payload as unknown as { type: string; content: { session_id: string; session_key: string } };
        if (roomKey.type !== 'm.room_key') throw new Error(`room-events bench: the libolm device got ${roomKey.type}`);
        sessionKeys.set(roomKey.content.session_id, roomKey.content.session_key);
        time += await seconds(async () => {
          for (let i = start; i < Math.min(count, start + SESSION_MSGS); i++) {
            const text = body(room, i);
            samples.push({ event: await rustEncrypt(alice, roomId, i, { msgtype: 'm.text', body: text }), body: text });
          }
        });
      }
      return { samples, time, sessions: new Set(samples.map((s) => s.event.content.session_id)).size };
    };
    const warmup = await encryptRoom(WARMUP_ROOM, WARMUP);
    const main = await encryptRoom(ROOM, n);
    const bytes = main.samples.reduce((s, e) => s + JSON.stringify(e.event).length, 0) / n;

    // --- The four receivers; each runs on the warm-up events first, untimed.
    const inbound = new Map<string, Olm.InboundGroupSession>();
    const rawPhase = async (samples: Sample[]): Promise<Phase> => {
      for (const { event } of samples) {
        const id = event.content.session_id;
        if (inbound.has(id)) continue;
        const s = new olm.InboundGroupSession();
        s.create(sessionKeys.get(id)!);
        inbound.set(id, s);
      }
      let ok = 0;
      const time = await seconds(() => {
        for (const { event, body: text } of samples) {
          // Only the length is checked on the clock: raw libolm is the decrypt alone.
          const { plaintext } = inbound.get(event.content.session_id)!.decrypt(event.content.ciphertext);
          if (plaintext.length > text.length) ok += 1;
        }
      });
      return { time, ok };
    };
    const trust = new RustSdk.DecryptionSettings(RustSdk.TrustRequirement.Untrusted);
    const rustPhase = async (samples: Sample[]): Promise<Phase> => {
      let ok = 0;
      const time = await seconds(async () => {
        for (const { event, body: text } of samples) {
          const d = await carol.decryptRoomEvent(JSON.stringify(event), new RustSdk.RoomId(event.room_id), trust);
          if ((JSON.parse(d.event) as { content?: { body?: string } }).content?.body === text) ok += 1;
        }
      });
      return { time, ok };
    };
    let logged = 0;
    const manyPhase = async (samples: Sample[]): Promise<Phase> => {
      let ok = 0;
      const envelopes = samples.map(({ event }) => envelopeOf(event));
      const time = await seconds(async () => {
        for (let i = 0; i < envelopes.length; i += WINDOW) {
          const outcomes = await bob.ingestMany(envelopes.slice(i, i + WINDOW));
          outcomes.forEach((o, j) => {
            if (o.ok) logged += o.seqs.length;
            if (o.ok && o.plaintext?.content.body === samples[i + j]!.body) ok += 1;
          });
        }
      });
      return { time, ok };
    };
    const callsPhase = async (samples: Sample[]): Promise<Phase> => {
      let ok = 0;
      const time = await seconds(async () => {
        for (let i = 0; i < samples.length; i += WINDOW) {
          const ds = await Promise.all(samples.slice(i, i + WINDOW).map(({ event }) => erin.decryptRoomEvent(event.room_id, event)));
          ds.forEach((d, j) => {
            if (d.decrypted && d.plaintext?.content.body === samples[i + j]!.body && d.authenticity === 'authenticated') ok += 1;
          });
        }
      });
      return { time, ok };
    };
    // Every receiver warms up before any of them is timed (the two ledgers share the engine's code).
    const receivers = [
      { who: 'raw libolm', phase: rawPhase, time: 0, ok: 0 },
      { who: 'the Rust SDK', phase: rustPhase, time: 0, ok: 0 },
      { who: 'keyledger (ingestMany)', phase: manyPhase, time: 0, ok: 0, profile: 'ingest-many' },
      { who: 'keyledger (decryptRoomEvent)', phase: callsPhase, time: 0, ok: 0, profile: 'decrypt-room-event' },
    ];
    for (const r of receivers) {
      const warm = await r.phase(warmup.samples);
      if (warm.ok !== warmup.samples.length) throw new Error(`room-events bench: ${r.who} decrypted only ${warm.ok} of ${warmup.samples.length} warm-up events`);
    }
    logged = 0;
    // From here on `bob`'s log holds the timed events and their facts alone (every key was shared before the warm-up).
    const mainFrom = bob.headSeq() + 1;
    // Timed in rounds: each receiver decrypts the next slice of the events in turn, the
    // first receiver changing every round, so that load from outside falls on all alike.
    const slice = Math.max(WINDOW, Math.ceil(n / ROUNDS / WINDOW) * WINDOW);
    for (let start = 0, round = 0; start < n; start += slice, round++) {
      const samples = main.samples.slice(start, start + slice);
      for (let k = 0; k < receivers.length; k++) {
        const r = receivers[(round + k) % receivers.length]!;
        gc();
        const profile = r.profile ? await startProfile() : undefined;
        const run = await r.phase(samples);
        await profile?.stop(`${r.profile}-${round}`);
        r.time += run.time;
        r.ok += run.ok;
      }
    }
    const mainTo = bob.headSeq();
    for (const r of receivers) if (r.ok !== n) throw new Error(`room-events bench: ${r.who} decrypted only ${r.ok} of ${n} events; the figures would be meaningless`);
    for (const s of inbound.values()) s.free();
    const [rawTime, rustTime, oursTime, callsTime] = receivers.map((r) => r.time) as [number, number, number, number];
    const rounds = Math.ceil(n / slice);

    // --- Re-renders: the same events given to decryptRoomEvent again are answered from the log.
    const repeats = main.samples.slice(0, Math.min(n, 5_000));
    const headBefore = erin.headSeq();
    let repeatedOk = 0;
    gc();
    const repeatTime = await seconds(async () => {
      for (let i = 0; i < repeats.length; i += WINDOW) {
        const ds = await Promise.all(repeats.slice(i, i + WINDOW).map(({ event }) => erin.decryptRoomEvent(event.room_id, event)));
        ds.forEach((d, j) => {
          if (d.repeated && d.plaintext?.content.body === repeats[i + j]!.body) repeatedOk += 1;
        });
      }
    });
    if (repeatedOk !== repeats.length || erin.headSeq() !== headBefore) {
      throw new Error(`room-events bench: ${repeatedOk} of ${repeats.length} repeats answered from the log, ${erin.headSeq() - headBefore} entries appended`);
    }

    // --- What a room event costs in the log: its entries' stored text, and the folder on disk.
    let logBytes = 0;
    let roomEntries = 0;
    for await (const e of bob.entries()) {
      if (e.kind !== 'room_event' && e.kind !== 'megolm_decrypted') continue;
      logBytes += JSON.stringify(e).length;
      roomEntries += 1;
    }
    const loggedEvents = roomEntries / (logged / n);

    // --- Replay the whole log: it must read the megolm_decrypted facts, not decrypt again.
    gc();
    const counter = countMegolmDecrypts(olm);
    let replayed = { entries: 0 };
    const replayTime = await seconds(async () => {
      replayed = await bob.replay();
    });
    counter.restore();
    if (counter.calls !== 0) throw new Error(`room-events bench: replay called olm decrypt ${counter.calls} times`);
    await bob.close();
    const diskBytes = folderBytes(dirA.path);
    // --- The log's own bytes per event, as LevelDB keeps them for good: the folder compacted fully, then
    // the timed events' seqs (everything `ingestMany` appended for them) measured on disk, against the
    // input's own bytes (each envelope as given to `ingestMany`, as JSON).
    const compacted = await compactedBytes(dirA.path, mainFrom, mainTo);
    const inputBytes = main.samples.reduce((s, e) => s + Buffer.byteLength(JSON.stringify(envelopeOf(e.event))), 0) / n;
    const eventBytes = main.samples.reduce((s, e) => s + Buffer.byteLength(JSON.stringify(e.event)), 0) / n;
    const onDisk = compacted.log / n;
    const logRatio = onDisk / inputBytes;
    // Setup entries (keys, room keys) are a handful; count the rest as room events.
    const replayEvents = replayed.entries / (logged / n);

    const perSec = (t: number) => n / t;
    const us = (t: number) => fmt((t / n) * 1e6);
    const vsRust = rustTime / oursTime;
    const vsRaw = rawTime / oursTime;
    const callsVsRust = rustTime / callsTime;
    const callsVsRaw = rawTime / callsTime;
    const verdict = (ratio: number, target: number) => (ratio >= target ? `met (≥ ${fmt(target, 1)}×)` : `**MISSED** (target ≥ ${fmt(target, 1)}×)`);
    const sessions = `${main.sessions} Megolm session${main.sessions > 1 ? 's' : ''}`;
    return [
      `${fmt(n)} real \`m.room.message\` events (~${fmt(bytes)} bytes each) in ${sessions} (a new one every ${fmt(SESSION_MSGS)} events: the Rust SDK caps rotation), encrypted once by the Rust SDK (${rustVersion()}; ${fmt(main.time, 1)} s, ${fmt(n / main.time)} events/s) and shared over Olm with each receiver; each receiver decrypts the same events, in order, in this run, after an untimed warm-up on ${fmt(warmup.samples.length)} events of another room. Every event's plaintext is checked for every receiver.`,
      `keyledger: default durability, ${fmt(logged / n, 1)} log entries per event (the event and its \`megolm_decrypted\` fact). Raw libolm: one kept \`InboundGroupSession\` per Megolm session. Timed in ${rounds} rounds of ${fmt(slice)} events, the receivers taking turns (the first changing every round).`,
      '',
      `| measure | events/s | µs per event | vs Rust SDK (target ≥ ${fmt(VS_RUST_TARGET, 1)}×) | vs raw libolm (target ≥ ${fmt(VS_RAW_TARGET, 1)}×) |`,
      '| --- | ---: | ---: | --- | --- |',
      `| Rust SDK \`decryptRoomEvent\`, one at a time | ${fmt(perSec(rustTime))} | ${us(rustTime)} | 1.00× | ${fmt(rawTime / rustTime, 2)}× |`,
      `| raw libolm \`InboundGroupSession.decrypt\`, decrypt only | ${fmt(perSec(rawTime))} | ${us(rawTime)} | ${fmt(rustTime / rawTime, 2)}× | 1.00× |`,
      `| **keyledger \`ingestMany\`** of ${WINDOW} envelopes at a time (decode, decrypt, hash chain, fold, write) | **${fmt(perSec(oursTime))}** | ${us(oursTime)} | **${fmt(vsRust, 2)}×** ${verdict(vsRust, VS_RUST_TARGET)} | **${fmt(vsRaw, 2)}×** ${verdict(vsRaw, VS_RAW_TARGET)} |`,
      `| keyledger \`decryptRoomEvent\`, ${WINDOW} concurrent calls at a time (adds provenance and trust per event) | ${fmt(perSec(callsTime))} | ${us(callsTime)} | ${fmt(callsVsRust, 2)}× ${verdict(callsVsRust, VS_RUST_TARGET)} | ${fmt(callsVsRaw, 2)}× ${verdict(callsVsRaw, VS_RAW_TARGET)} |`,
      `| keyledger \`decryptRoomEvent\` of ${fmt(repeats.length)} events again (a re-render: answered from the log, nothing appended) | ${fmt(repeats.length / repeatTime)} | ${fmt((repeatTime / repeats.length) * 1e6)} | ${fmt(rustTime / n / (repeatTime / repeats.length), 2)}× | ${fmt(rawTime / n / (repeatTime / repeats.length), 2)}× |`,
      '',
      '| log size per room event (`ingestMany` ledger) | bytes |',
      '| --- | ---: |',
      `| stored entry text (the event as received and its \`megolm_decrypted\` fact) | ${fmt(logBytes / loggedEvents)} |`,
      `| the ledger folder on disk after close (LevelDB, decisions, snapshots, vault included) | ${fmt(diskBytes / n)} |`,
      `| the input's own bytes: the envelope as given to \`ingestMany\` (\`kind\`, \`room_id\`, \`received_at\`, the event), as JSON | ${fmt(inputBytes)} (the event alone: ${fmt(eventBytes)}) |`,
      `| **the log on disk after a full compaction** (the event and its fact, keys included, snappy-compressed; LevelDB's \`approximateSize\` of their seqs after \`compactRange\` over every key, ${fmt(compacted.compaction, 1)} s) | **${fmt(onDisk)}** |`,
      `| **log bytes on disk ÷ input's own bytes** | **${fmt(logRatio, 2)}×** ${logRatio <= LOG_BYTES_TARGET ? `met (≤ ${fmt(LOG_BYTES_TARGET, 1)}×)` : `**MISSED** (target ≤ ${fmt(LOG_BYTES_TARGET, 1)}×)`} |`,
      `| the ledger folder on disk after that compaction (${fmt(n + warmup.samples.length)} room events in all; decisions, snapshots, vault included) | ${fmt(compacted.folder / (n + warmup.samples.length))} |`,
      '',
      '| replay of that log (`ledger.replay()` from zero, every slice) | figure |',
      '| --- | ---: |',
      `| entries/s | ${fmt(replayed.entries / replayTime)} (${fmt(replayed.entries)} entries in ${fmt(replayTime, 2)} s) |`,
      `| room events/s equivalent | ${fmt(replayEvents / replayTime)} (${fmt(replayTime / replayEvents / (oursTime / n), 2)}× the time per event of decrypting ingestion, ${fmt(replayTime / replayEvents / (rawTime / n), 2)}× that of raw libolm decrypt) |`,
      `| libolm Megolm decryptions during the replay (counted on \`InboundGroupSession.prototype.decrypt\`) | ${counter.calls} |`,
    ];
  } finally {
    for (const m of machines) m.close();
    dave?.free();
    await ledgerA?.close();
    await ledgerB?.close();
    dirA.cleanup();
    dirB.cleanup();
  }
}

/**
 * With KEYLEDGER_BENCH_PROFILE=<folder>, a CPU profile of one keyledger phase alone
 * (open it in Chrome DevTools), written as <folder>/room-events-<phase>.cpuprofile.
 */
async function startProfile(): Promise<{ stop(phase: string): Promise<void> } | undefined> {
  const folder = process.env.KEYLEDGER_BENCH_PROFILE;
  if (!folder) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    async stop(phase) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `room-events-${phase}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function rustVersion(): string {
  try {
    const v = RustSdk.getVersions();
    return `matrix-sdk-crypto ${v.matrix_sdk_crypto}, vodozemac ${v.vodozemac}`;
  } catch {
    return '?';
  }
}
