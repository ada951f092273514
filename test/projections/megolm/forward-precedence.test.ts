/**
 * "May we accept this forward" (`mayAcceptForward`): given a real forward that breaks two
 * rules at once, when it arrives, then it is refused with the code that comes first, and
 * nothing else is decided or changed. Whether we hold the session never changes the code.
 */
import { strict as assert } from 'node:assert';
import { FORWARD_REFUSALS } from '../../../projections/megolm/forwarded.js';
import { keyRequest, megolmSession } from '../../../projections/megolm/selectors.js';
import type { SimDevice, SimOutboundGroupSession } from '../../../src/testkit/index.js';
import type { RoomKeyContent } from '../../../src/testkit/types.js';
import { ALICE, BOB, codes, ME, ROOM, World } from '../../helpers/slices.js';

/** Every way a forward can be refused, first to last: the forward's own rules, then the store's. */
const ORDER = [...FORWARD_REFUSALS, 'session_update.not_lower_index', 'session_update.unconnected'] as const;
type Code = (typeof ORDER)[number];

/** Faults no one forward can have together (they set the same thing two ways). */
const EXCLUSIVE: readonly (readonly [Code, Code])[] = [
  ['forwarded_key.other_user', 'forwarded_key.untrusted_sender'], // one forwarder
  ['room_key.not_imported', 'room_key.session_id_mismatch'], // a key that does not import has no ID
  ['session_update.not_lower_index', 'session_update.unconnected'], // one stored session
  ['forwarded_key.unrequested', 'forwarded_key.unasked_device'], // no request was sent to anyone
];

/** What one forward is made of; each fault changes one part. */
interface Plan {
  from: 'laptop' | 'phone' | 'bob';
  request: boolean;
  /** The request (sent by the ledger, `send_room_key_request`) went to our tablet only, before the laptop was verified. */
  unasked: boolean;
  /** The session the forward claims to be (its `session_id`), and the one whose key it carries. */
  claims: 'real' | 'other';
  /** The claimed session stored before: not at all, at index 0 (the forward, at 2, is no lower), or at 5. */
  stored: 'none' | 'at_0' | 'at_5';
  forgeRatchet: boolean;
  junkKey: boolean;
  badRecipient: boolean;
}

const FAULTS: Record<Code, (p: Plan) => void> = {
  'room_key.invalid_payload': (p) => { p.badRecipient = true; },
  'forwarded_key.other_user': (p) => { p.from = 'bob'; },
  'forwarded_key.untrusted_sender': (p) => { p.from = 'phone'; },
  'forwarded_key.unrequested': (p) => { p.request = false; },
  'forwarded_key.unasked_device': (p) => { p.unasked = true; },
  'room_key.not_imported': (p) => { p.junkKey = true; },
  'room_key.session_id_mismatch': (p) => { p.claims = 'other'; },
  'session_update.not_lower_index': (p) => { p.stored = 'at_0'; },
  'session_update.unconnected': (p) => { p.stored = 'at_5'; p.forgeRatchet = true; },
};

describe('megolm: which code refuses a forward that breaks several rules (mayAcceptForward)', () => {
  let w: World;
  let a1: SimDevice;
  let devices: Record<Plan['from'], SimDevice>;
  let tablet: SimDevice;
  let real: SimOutboundGroupSession;
  let other: SimOutboundGroupSession;
  /** Each session's m.room_key content at index 0 and at 5. */
  let keys: Map<SimOutboundGroupSession, { at0: RoomKeyContent; at5: RoomKeyContent }>;

  beforeEach(async () => {
    w = await World.create();
    const alice = await w.user(ALICE, 'A1');
    a1 = alice.devices.get('A1')!;
    const me = await w.user(ME, 'LAPTOP', 'PHONE', 'TABLET');
    const bob = await w.user(BOB, 'B1');
    devices = { laptop: me.devices.get('LAPTOP')!, phone: me.devices.get('PHONE')!, bob: bob.devices.get('B1')! };
    tablet = me.devices.get('TABLET')!;
    // The laptop is verified in `forward`: before the request is sent, or after it (unasked).
    w.ownDevices(me, [devices.laptop, devices.phone, tablet], [tablet]);
    w.keysQuery({ user: alice }, { user: bob });
    keys = new Map();
    real = a1.createOutboundSession(ROOM);
    other = a1.createOutboundSession(ROOM);
    for (const s of [real, other]) {
      const at0 = { ...s.roomKeyContent() };
      for (let i = 0; i < 5; i++) s.encrypt('m.room.message', { body: `${i}` });
      keys.set(s, { at0, at5: { ...s.roomKeyContent() } });
    }
  });
  afterEach(() => w.free());

  /** Sets the stage for `plan`, sends its forward (real's key at index 2), and returns what the forward decided. */
  async function forward(plan: Plan, expect = { accepted: false }): Promise<{ decided: string[] }> {
    const claimed = plan.claims === 'real' ? real : other;
    if (plan.stored !== 'none') {
      const key = plan.stored === 'at_0' ? keys.get(claimed)!.at0 : keys.get(claimed)!.at5;
      assert.deepEqual(codes(w.sendOlm(a1, 'm.room_key', key)).filter((c) => !c.startsWith('olm.')), ['room_key.accepted']);
    }
    const verifyLaptop = () => w.action('verify_device', { user_id: ME, device_id: devices.laptop.deviceId, ed25519: devices.laptop.ed25519 });
    const sendRequest = () => w.action('send_room_key_request', { room_id: ROOM, sender_key: a1.curve25519, session_id: claimed.sessionId, request_id: 'req-1' });
    if (!plan.request) verifyLaptop();
    else if (plan.unasked) {
      sendRequest();
      verifyLaptop();
    } else {
      verifyLaptop();
      sendRequest();
    }
    const content: Record<string, unknown> = { ...(await real.forwardedRoomKeyContent(2)), session_id: claimed.sessionId };
    if (plan.forgeRatchet) {
      // Export format: version (1) | index (4) | ratchet (128) | signing key (32): flip a ratchet byte.
      const bytes = Buffer.from(content['session_key'] as string, 'base64');
      bytes[10] ^= 0xff;
      content['session_key'] = bytes.toString('base64').replace(/=+$/, '');
    }
    if (plan.junkKey) content['session_key'] = 'AAAA';
    const before = { session: structuredClone(megolmSession(w.state, ROOM, a1.curve25519, claimed.sessionId)), request: keyRequest(w.state, ROOM, a1.curve25519, claimed.sessionId) };
    const d = w.sendOlm(devices[plan.from], 'm.forwarded_room_key', content, plan.badRecipient ? { plaintext: { recipient: '@mallory:example.org' } } : {});
    const decided = codes(d).filter((c) => !c.startsWith('olm.'));
    if (expect.accepted) return { decided };
    // Nothing else happened: the session we held (if any) keeps its key, the request stays as it was.
    const after = megolmSession(w.state, ROOM, a1.curve25519, claimed.sessionId);
    assert.deepEqual(
      [after?.firstKnownIndex, after?.keySeq, after?.authenticity, after?.source.type],
      [before.session?.firstKnownIndex, before.session?.keySeq, before.session?.authenticity, before.session?.source.type],
    );
    assert.deepEqual(keyRequest(w.state, ROOM, a1.curve25519, claimed.sessionId), before.request);
    return { decided };
  }

  const honest = (): Plan => ({ from: 'laptop', request: true, unasked: false, claims: 'real', stored: 'none', forgeRatchet: false, junkKey: false, badRecipient: false });

  it('given no fault, the forward is taken (forwarded_key.accepted): the faults below are the only reasons', async () => {
    assert.deepEqual((await forward(honest(), { accepted: true })).decided, ['forwarded_key.accepted']);
  });

  for (const code of ORDER) {
    it(`given only "${code}" broken, then ${code}`, async () => {
      const plan = honest();
      FAULTS[code](plan);
      assert.deepEqual((await forward(plan)).decided, [code]);
    });
  }

  for (let i = 0; i < ORDER.length; i++) {
    for (let j = i + 1; j < ORDER.length; j++) {
      const first = ORDER[i]!;
      const second = ORDER[j]!;
      if (EXCLUSIVE.some(([a, b]) => (a === first && b === second) || (a === second && b === first))) continue;
      it(`given "${first}" and "${second}" both broken, then ${first}`, async () => {
        const plan = honest();
        FAULTS[second](plan);
        FAULTS[first](plan);
        assert.deepEqual((await forward(plan)).decided, [first]);
      });
    }
  }
});
