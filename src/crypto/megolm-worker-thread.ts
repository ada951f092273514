/**
 * The worker thread of {@link MegolmDecryptAhead} (megolm-worker.ts): it holds its own
 * copies of the Megolm keys the ledger hands it (each under the seq of the fact that
 * brought it, which names one key for good) and decrypts the room events of a batch in
 * log order while the main thread folds and writes the ones before them.
 *
 * It holds no state the ledger reads: a result is a pure function of a key and a
 * ciphertext, and the main thread uses it only when its own fold picked that very key.
 * Nothing here is logged; keys and plaintexts cross to the main thread in memory only.
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { OlmFailure } from './failure.js';
import { InboundMegolmSession, LiveMegolmSessions } from './megolm-session.js';
import { loadOlm } from './olm.js';
import { CTL_DONE, CTL_WAITING, CTL_WANTED, SLOTS, SLOT_FREE, SLOT_WORKER, type AheadRequest, type AheadResult } from './megolm-worker.js';

/** Keys kept imported at most (the oldest used goes first), as on the main thread. */
const MAX_LIVE = 2_000;
/** Results posted together at most; fewer as soon as the main thread is blocked on one of them. */
const CHUNK = 32;

const { port, control, slots: slotBuffer } = workerData as { port: MessagePort; control: SharedArrayBuffer; slots: SharedArrayBuffer };
const ctl = new Int32Array(control);
const slots = new Int32Array(slotBuffer);
const olm = await loadOlm();
const live = new LiveMegolmSessions(MAX_LIVE);
const exported = new Map<number, string>();

function session(seq: number): InboundMegolmSession | undefined {
  const found = live.get(seq);
  if (found !== undefined) return found;
  const key = exported.get(seq);
  if (key === undefined) return undefined;
  const made = InboundMegolmSession.import(olm, key, 'exported');
  return made instanceof OlmFailure ? undefined : live.add(seq, made);
}

function post(results: AheadResult[]): void {
  port.postMessage(results);
  Atomics.add(ctl, CTL_DONE, 1);
  Atomics.notify(ctl, CTL_DONE);
}

function handle(request: AheadRequest): void {
  if (request.forgetAbove !== undefined) {
    for (const seq of [...exported.keys()]) if (seq > request.forgetAbove) exported.delete(seq);
    live.dropAfter(request.forgetAbove);
  }
  for (const [seq, key] of request.keys) exported.set(seq, key);
  let out: AheadResult[] = [];
  for (const [id, seq, ciphertext] of request.jobs) {
    // Jobs the main thread no longer waits for, or took over, are skipped.
    if (id < Atomics.load(ctl, CTL_WANTED)) continue;
    if (Atomics.compareExchange(slots, id % SLOTS, SLOT_FREE, SLOT_WORKER) !== SLOT_FREE) continue;
    const s = session(seq);
    if (s === undefined) {
      // Not a result: the main thread decrypts this one itself.
      out.push([id, null, null]);
    } else {
      const result = s.decrypt(ciphertext);
      out.push(result instanceof OlmFailure ? [id, null, result.code] : [id, result.plaintext, result.messageIndex]);
    }
    if (out.length >= CHUNK || id >= Atomics.load(ctl, CTL_WAITING)) {
      post(out);
      out = [];
    }
  }
  if (out.length > 0) post(out);
}

port.on('message', handle);
