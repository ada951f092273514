/**
 * A tiny in-memory homeserver for the sync loop: `/keys/upload`, `/keys/query`,
 * `/keys/claim`, `/sendToDevice`, `/keys/device_signing/upload`, `/keys/signatures/upload`,
 * `/rooms/{roomId}/send` and the crypto parts of `/sync`, for any number of devices.
 * Signatures are merged as a server does (a user-signing key's signature is shown to
 * its signer only, as the spec says). It checks nothing (a real server checks little more); tests use it to run
 * keyledger's and the Rust SDK's client loops against each other.
 */
type Json = Record<string, unknown>;

interface DeviceInbox {
  toDevice: Json[];
  changed: Set<string>;
}

export class InMemoryHomeserver {
  private readonly deviceKeys = new Map<string, Map<string, Json>>();
  private readonly oneTimeKeys = new Map<string, Map<string, Json>>();
  private readonly fallbackKeys = new Map<string, { keys: Map<string, Json>; used: boolean }>();
  private readonly inboxes = new Map<string, DeviceInbox>();
  /** user → `master` / `self_signing` / `user_signing` → key object. */
  private readonly crossSigning = new Map<string, Map<string, Json>>();
  /** Room events sent: room → events. */
  readonly rooms = new Map<string, Json[]>();
  private eventCounter = 0;

  private inbox(userId: string, deviceId: string): DeviceInbox {
    const id = `${userId} ${deviceId}`;
    let inbox = this.inboxes.get(id);
    if (inbox === undefined) this.inboxes.set(id, (inbox = { toDevice: [], changed: new Set() }));
    return inbox;
  }

  /** Answers one request of the device `userId`/`deviceId`: the response body. */
  handle(userId: string, deviceId: string, request: { type: string; body: Json; event_type?: string }): Json {
    const me = `${userId} ${deviceId}`;
    this.inbox(userId, deviceId);
    switch (request.type) {
      case 'keys_upload': {
        if (request.body.device_keys !== undefined) {
          let devices = this.deviceKeys.get(userId);
          if (devices === undefined) this.deviceKeys.set(userId, (devices = new Map()));
          devices.set(deviceId, request.body.device_keys as Json);
          for (const inbox of this.inboxes.values()) inbox.changed.add(userId);
        }
        const otks = this.oneTimeKeys.get(me) ?? new Map<string, Json>();
        this.oneTimeKeys.set(me, otks);
        for (const [id, key] of Object.entries((request.body.one_time_keys ?? {}) as Json)) otks.set(id, key as Json);
        const fallback = Object.entries((request.body.fallback_keys ?? {}) as Json);
        if (fallback.length > 0) this.fallbackKeys.set(me, { keys: new Map(fallback as [string, Json][]), used: false });
        return { one_time_key_counts: { signed_curve25519: otks.size } };
      }
      case 'keys_query': {
        const device_keys: Json = {};
        const master_keys: Json = {};
        const self_signing_keys: Json = {};
        const user_signing_keys: Json = {};
        for (const user of Object.keys(request.body.device_keys as Json)) {
          device_keys[user] = Object.fromEntries(this.deviceKeys.get(user) ?? new Map());
          const keys = this.crossSigning.get(user);
          if (keys?.has('master')) master_keys[user] = this.visible(keys.get('master')!, userId);
          if (keys?.has('self_signing')) self_signing_keys[user] = keys.get('self_signing')!;
          if (keys?.has('user_signing') && user === userId) user_signing_keys[user] = keys.get('user_signing')!;
        }
        return { device_keys, master_keys, self_signing_keys, user_signing_keys, failures: {} };
      }
      case 'device_signing_upload': {
        const keys = this.crossSigning.get(userId) ?? new Map<string, Json>();
        this.crossSigning.set(userId, keys);
        const roles: [string, string][] = [['master_key', 'master'], ['self_signing_key', 'self_signing'], ['user_signing_key', 'user_signing']];
        for (const [field, role] of roles) if (request.body[field] !== undefined) keys.set(role, request.body[field] as Json);
        for (const inbox of this.inboxes.values()) inbox.changed.add(userId);
        return {};
      }
      case 'signature_upload': {
        const failures: Record<string, Json> = {};
        for (const [user, objects] of Object.entries(request.body as Record<string, Json>)) {
          for (const [keyId, signed] of Object.entries(objects as Record<string, Json>)) {
            const target = this.deviceKeys.get(user)?.get(keyId) ?? [...(this.crossSigning.get(user)?.values() ?? [])].find((k) => Object.values(k.keys as Json).includes(keyId));
            if (target === undefined) {
              (failures[user] ??= {})[keyId] = { errcode: 'M_NOT_FOUND', error: 'no such key' };
              continue;
            }
            const sigs = (target.signatures ??= {}) as Record<string, Json>;
            for (const [signer, byKey] of Object.entries((signed.signatures ?? {}) as Record<string, Json>)) sigs[signer] = { ...(sigs[signer] ?? {}), ...byKey };
          }
          for (const inbox of this.inboxes.values()) inbox.changed.add(user);
        }
        return { failures };
      }
      case 'room_message': {
        const r = request as unknown as { room_id: string; event_type: string };
        const event_id = `$event${++this.eventCounter}`;
        const events = this.rooms.get(r.room_id) ?? [];
        this.rooms.set(r.room_id, events);
        events.push({ event_id, type: r.event_type, sender: userId, origin_server_ts: 1_700_000_000_000 + this.eventCounter, content: request.body, room_id: r.room_id });
        return { event_id };
      }
      case 'keys_claim': {
        const one_time_keys: Record<string, Record<string, Json>> = {};
        for (const [user, devices] of Object.entries(request.body.one_time_keys as Record<string, Json>)) {
          for (const device of Object.keys(devices)) {
            const id = `${user} ${device}`;
            const otks = this.oneTimeKeys.get(id);
            const first = otks?.keys().next();
            let claimed: [string, Json] | undefined;
            if (otks !== undefined && first !== undefined && !first.done) {
              claimed = [first.value, otks.get(first.value)!];
              otks.delete(first.value);
            } else {
              const fallback = this.fallbackKeys.get(id);
              if (fallback !== undefined) {
                fallback.used = true;
                claimed = [...fallback.keys.entries()][0];
              }
            }
            if (claimed !== undefined) (one_time_keys[user] ??= {})[device] = { [claimed[0]]: claimed[1] };
          }
        }
        return { one_time_keys, failures: {} };
      }
      case 'to_device': {
        for (const [user, devices] of Object.entries(request.body.messages as Record<string, Json>)) {
          for (const [device, content] of Object.entries(devices)) {
            this.inbox(user, device).toDevice.push({ type: request.event_type, sender: userId, content });
          }
        }
        return {};
      }
      default:
        throw new Error(`the in-memory homeserver does not serve ${request.type}`);
    }
  }

  /** A master key as `viewer` sees it: other users' user-signing signatures hidden (the spec's social-graph rule). */
  private visible(key: Json, viewer: string): Json {
    const owner = key.user_id as string;
    const signatures = Object.fromEntries(Object.entries((key.signatures ?? {}) as Json).filter(([signer]) => signer === owner || signer === viewer));
    return { ...key, signatures };
  }

  /** The crypto parts of the device's next incremental `/sync`. */
  sync(userId: string, deviceId: string) {
    const me = `${userId} ${deviceId}`;
    const inbox = this.inbox(userId, deviceId);
    const events = inbox.toDevice.splice(0);
    const changed = [...inbox.changed].sort();
    inbox.changed.clear();
    const fallback = this.fallbackKeys.get(me);
    return {
      to_device: { events },
      device_lists: { changed, left: [] as string[] },
      device_one_time_keys_count: { signed_curve25519: this.oneTimeKeys.get(me)?.size ?? 0 },
      device_unused_fallback_key_types: fallback !== undefined && !fallback.used ? ['signed_curve25519'] : [],
    };
  }
}
