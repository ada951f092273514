/**
 * A tiny in-memory homeserver for the sync loop: `/keys/upload`, `/keys/query`,
 * `/keys/claim`, `/sendToDevice` and the crypto parts of `/sync`, for any number of
 * devices. It checks nothing (a real server checks little more); tests use it to run
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
        for (const user of Object.keys(request.body.device_keys as Json)) device_keys[user] = Object.fromEntries(this.deviceKeys.get(user) ?? new Map());
        return { device_keys, failures: {} };
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
