import type { DeviceRef } from '../../projections/identities/state.js';
import { deviceTrust, identityDetail, identityState } from '../../projections/identities/selectors.js';
import type { DeviceTrust, IdentityStateName, IdentityTrust } from '../../projections/identities/trust.js';
import { sessionProvenance, utdCause } from '../../projections/megolm/selectors.js';
import type { SessionAuthenticity, SessionSourceType } from '../../projections/megolm/state.js';
import type { UtdCause } from '../../projections/megolm/utd.js';
import { ruleOf, type Rule } from './decision-view.js';
import { locateRoomEvent } from './locate-event.js';
import type { LogSource } from './sources/source.js';

/** A stored Megolm session as `explain` shows it: where it came from and how far it is trusted now. */
export interface SessionView {
  readonly firstKnownIndex: number;
  readonly authenticity: SessionAuthenticity;
  readonly source: { readonly type: SessionSourceType; readonly userId: string | null; readonly deviceId: string | null; readonly seq: number };
  /** The entry whose key is the session's current key. */
  readonly keySeq: number;
  readonly senderDevice: DeviceRef | null;
  readonly senderTrust: DeviceTrust | null;
  readonly warnings: readonly string[];
}

/**
 * The state now for a subject, from the public selectors: trust for a device, identity
 * for a user, the stored session (or why there is none) for a session, where an event
 * is in the log for an event. `rule` explains a trust reason that is a reason code.
 */
export type CurrentAnswer =
  | { readonly kind: 'device'; readonly userId: string; readonly deviceId: string; readonly trust: DeviceTrust; readonly identity: IdentityStateName; readonly rule: Rule | null }
  | { readonly kind: 'user'; readonly userId: string; readonly identity: IdentityTrust & { readonly masterKey: string | null; readonly pinnedKey: string | null }; readonly rule: Rule | null }
  | { readonly kind: 'session'; readonly roomId: string; readonly senderKey: string; readonly sessionId: string; readonly stored: SessionView | null; readonly utd: UtdCause | null }
  | { readonly kind: 'event'; readonly eventId: string; readonly inputSeq: number; readonly factSeq: number | null; readonly factKind: string | null };

/** The current answer for a subject given as words, or null when it names no single device, user, session or event. */
export async function currentAnswer(source: LogSource, words: readonly string[]): Promise<CurrentAnswer | null> {
  const [kind, a, b, c] = words;
  const state = source.state();
  if (kind === 'device' && a !== undefined && b !== undefined && words.length === 3) {
    const trust = deviceTrust(state, a, b);
    return { kind, userId: a, deviceId: b, trust, identity: identityState(state, a), rule: ruleOf(trust.reason) };
  }
  if (kind === 'user' && a !== undefined && words.length === 2) {
    const identity = identityDetail(state, a);
    return { kind, userId: a, identity, rule: ruleOf(identity.reason) };
  }
  if (kind === 'session' && a !== undefined && b !== undefined && c !== undefined && words.length === 4) {
    const p = sessionProvenance(state, a, b, c);
    const stored: SessionView | null =
      p === undefined
        ? null
        : {
            firstKnownIndex: p.session.firstKnownIndex,
            authenticity: p.session.authenticity,
            source: { type: p.session.source.type, userId: p.session.source.userId, deviceId: p.session.source.deviceId, seq: p.session.source.seq },
            keySeq: p.session.keySeq,
            senderDevice: p.senderDevice,
            senderTrust: p.senderTrust,
            warnings: p.warnings,
          };
    return { kind, roomId: a, senderKey: b, sessionId: c, stored, utd: stored === null ? utdCause(state, a, b, c, null) : null };
  }
  if (kind === 'event' && a !== undefined && words.length === 2) {
    const found = await locateRoomEvent(source, a);
    return found === null ? null : { kind, eventId: a, inputSeq: found.input.seq, factSeq: found.fact?.seq ?? null, factKind: found.fact?.kind ?? null };
  }
  return null;
}
