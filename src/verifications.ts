/**
 * Verification flows as a client shows them: state, the SAS (emoji from the
 * `@matrix-org/spec` table, and the three numbers), pinned keys, transcript and outcome.
 */
import { createRequire } from 'node:module';
import type { Flow, FlowPhase, PinnedKey, VerificationState } from '../projections/verification/state.js';
import type { LedgerState } from './runtime/projector.js';

/** One SAS emoji: the spec's table entry. */
export interface SasEmoji {
  readonly number: number;
  readonly emoji: string;
  readonly description: string;
}

/** A verification flow, for display. */
export interface VerificationView {
  /** The flow ID (to-device: the `transaction_id`). */
  readonly id: string;
  readonly transport: 'to_device' | 'in_room';
  /** In-room flows: the room, and the request event's ID (null until our request is sent). */
  readonly roomId: string | null;
  readonly eventId: string | null;
  readonly weRequested: boolean;
  readonly otherUserId: string;
  readonly otherDeviceId: string | null;
  readonly phase: FlowPhase;
  /** The 7 emoji to compare, once both ephemeral keys are known. */
  readonly emoji: readonly SasEmoji[] | null;
  /** The 3 numbers to compare (1000–9191). */
  readonly decimals: readonly number[] | null;
  /** What the user may do now. */
  readonly canAccept: boolean;
  readonly canStartSas: boolean;
  readonly canConfirm: boolean;
  /** The keys fixed at the start, by public key. */
  readonly pinned: readonly PinnedKey[] | null;
  /** The key IDs the other device MACed (all of them pinned), once its MAC verified. */
  readonly macedKeyIds: readonly string[] | null;
  readonly outcome: { readonly result: 'done' | 'cancelled'; readonly code: string; readonly cancelCode: string | null; readonly reason: string; readonly byUs: boolean; readonly seq: number } | null;
  /** The entries of this flow. */
  readonly seqs: readonly number[];
}

let table: SasEmoji[] | undefined;

/** The spec's SAS emoji table (64 entries), from `@matrix-org/spec`. */
export function sasEmojiTable(): readonly SasEmoji[] {
  table ??= (createRequire(import.meta.url)('@matrix-org/spec/sas-emoji.json') as { number: number; emoji: string; description: string }[])
    .map(({ number, emoji, description }) => ({ number, emoji, description }));
  return table;
}

function view(flow: Flow): VerificationView {
  const emojiTable = sasEmojiTable();
  const live = flow.outcome === null;
  return {
    id: flow.id,
    transport: flow.transport,
    roomId: flow.roomId,
    eventId: flow.eventId,
    weRequested: flow.weRequested,
    otherUserId: flow.otherUserId,
    otherDeviceId: flow.otherDeviceId,
    phase: flow.phase,
    emoji: flow.sas === null ? null : flow.sas.emoji.map((i) => emojiTable[i]!),
    decimals: flow.sas === null ? null : [...flow.sas.decimals],
    canAccept: live && !flow.weRequested && flow.phase === 'requested',
    canStartSas: live && flow.phase === 'ready' && flow.start === null,
    canConfirm: live && flow.sas !== null && flow.confirmed === null,
    pinned: flow.pinned === null ? null : flow.pinned.map((k) => ({ ...k })),
    macedKeyIds: flow.theirMac === null ? null : [...flow.theirMac.keyIds],
    outcome: flow.outcome === null ? null : { ...flow.outcome },
    seqs: [...flow.seqs],
  };
}

/** Every flow in the state, running ones first, then finished ones (newest last). */
export function verificationViews(state: LedgerState): VerificationView[] {
  const v = state['verification'] as VerificationState | undefined;
  if (v === undefined) return [];
  return [...v.active, ...v.finished].filter((id) => Object.prototype.hasOwnProperty.call(v.flows, id)).map((id) => view(v.flows[id]!));
}

/** One flow by ID, or undefined. */
export function verificationView(state: LedgerState, id: string): VerificationView | undefined {
  const v = state['verification'] as VerificationState | undefined;
  return v !== undefined && Object.prototype.hasOwnProperty.call(v.flows, id) ? view(v.flows[id]!) : undefined;
}
