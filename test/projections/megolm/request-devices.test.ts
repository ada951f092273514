/** Our room key requests sent by the ledger (`send_room_key_request`): to whom they go. */
import { strict as assert } from 'node:assert';
import { keyRequest } from '../../../projections/megolm/selectors.js';
import { codes, ME, ROOM, World } from '../../helpers/slices.js';

describe('megolm: our room key requests (send_room_key_request)', () => {
  it('room_key.request_no_device: with no other verified device of ours, nothing is requested', async () => {
    const w = await World.create();
    try {
      const d = w.action('send_room_key_request', { room_id: ROOM, session_id: 'sid', request_id: 'k1' });
      assert.deepEqual(codes(d), ['room_key.request_no_device']);
      assert.equal(keyRequest(w.state, ROOM, '*', 'sid'), undefined, 'nothing recorded: a forward for it is unrequested');
    } finally {
      w.free();
    }
  });
});

describe('megolm: a request the ledger sent records the devices it went to', () => {
  it('room_key.requested names our verified devices, not the unverified one', async () => {
    const w = await World.create();
    try {
      const me = await w.user(ME, 'LAPTOP', 'PHONE');
      w.ownDevices(me, [me.devices.get('LAPTOP')!, me.devices.get('PHONE')!], [me.devices.get('LAPTOP')!]);
      const d = w.action('send_room_key_request', { room_id: ROOM, session_id: 'sid', request_id: 'k1' });
      assert.deepEqual(codes(d), ['room_key.requested']);
      assert.equal(d[0]!.detail?.['devices'], 'LAPTOP');
      assert.deepEqual(keyRequest(w.state, ROOM, '*', 'sid')!.asked!.map((a) => a.deviceId), ['LAPTOP']);
    } finally {
      w.free();
    }
  });
});
