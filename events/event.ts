/**
 * Matrix events as /sync delivers them: to-device and room timeline events, each with
 * its `content` checked by the codec of its `type`.
 */
import * as t from 'io-ts';
import { JsonObject, NonNegativeInteger, delegate } from './codec.js';
import { contentCodecFor, type EventChannel } from './content.js';

/**
 * Checks an event's shape, then its `content` with the codec of its `type`. A custom
 * codec because the content codec depends on a sibling field.
 */
function eventOn<P extends t.Props>(name: string, shape: t.TypeC<P>, channel: EventChannel): t.Type<t.TypeOf<t.TypeC<P>>, t.TypeOf<t.TypeC<P>>, unknown> {
  const validate: t.Validate<unknown, t.TypeOf<t.TypeC<P>>> = (u, c) => {
    const outer = shape.validate(u, delegate(c, shape));
    if (outer._tag === 'Left') return outer;
    const event = outer.right as { type: string; content: unknown };
    const codec = contentCodecFor(event.type, channel);
    const inner = codec.validate(event.content, t.appendContext(c, 'content', codec, event.content));
    return inner._tag === 'Left' ? inner : outer;
  };
  return new t.Type(name, (u): u is t.TypeOf<t.TypeC<P>> => validate(u, [])._tag === 'Right', validate, t.identity);
}

/** A to-device event as in /sync `to_device.events`. */
export const ToDeviceEvent = eventOn('ToDeviceEvent', t.type({ type: t.string, sender: t.string, content: JsonObject }), 'to_device');
export type ToDeviceEvent = t.TypeOf<typeof ToDeviceEvent>;

/** A timeline event as in /sync; `unsigned` and `room_id` are optional there. */
export const RoomEvent = t.intersection([
  eventOn('RoomEventFields', t.type({
    event_id: t.string,
    sender: t.string,
    origin_server_ts: NonNegativeInteger,
    type: t.string,
    content: JsonObject,
  }), 'room'),
  t.partial({ unsigned: JsonObject, room_id: t.string }),
], 'RoomEvent');
export type RoomEvent = t.TypeOf<typeof RoomEvent>;
