import { openLedger } from '../../src/index.js';
import { DEMO_DEVICE, DEMO_USER, demoInputs, feedDemo } from '../../tools/demo/scenario.js';

/**
 * Writes the demo scenario (tools/demo/scenario.ts: real olm keys; an accepted room key, an
 * unrequested forwarded key from an unverified device, a forged message, a replay, a
 * garbled input) into a new ledger at `path`, fed as `tools/demo.ts` feeds it, then `extra` inputs.
 */
export async function writeDemoLedger(path: string, extra: readonly unknown[] = []): Promise<void> {
  const ledger = await openLedger({ path, userId: DEMO_USER, deviceId: DEMO_DEVICE, storeKey: 'keyledger test store key' });
  try {
    const sample = await demoInputs(await ledger.publishKeys({ withDeviceKeys: true }));
    try {
      await feedDemo(ledger, sample.inputs);
      await ledger.ingestManyUnknown(extra);
    } finally {
      sample.free();
    }
  } finally {
    await ledger.close();
  }
}

/** A secret no output may show. */
export const PLAINTEXT_SECRET = 'SECRETKEYMATERIALxyz';

/** A plaintext `m.room_key` (a rule violation) whose session key is {@link PLAINTEXT_SECRET}: logged as received, so it holds a secret. */
export const plaintextRoomKey = {
  kind: 'to_device',
  received_at: 1_764_230_500_000,
  event: {
    type: 'm.room_key',
    sender: '@mallory:example.org',
    content: { algorithm: 'm.megolm.v1.aes-sha2', room_id: '!lunch:example.org', session_id: 'MALLORYSESSION', session_key: PLAINTEXT_SECRET },
  },
};
