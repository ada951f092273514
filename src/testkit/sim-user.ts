import type { Olm } from '../crypto/olm.js';
import { loadOlm } from '../crypto/olm.js';
import { SimDevice } from './sim-device.js';
import { signJson, unpaddedBase64 } from './signing.js';
import type { CrossSigningKey, DeviceKeys, Signatures } from './types.js';

/** The three cross-signing keys, named by their spec `usage`. */
export type CrossSigningRole = 'master' | 'self_signing' | 'user_signing';

interface SigningKey {
  signing: Olm.PkSigning;
  seed: Uint8Array;
  publicKey: string;
}

/**
 * A simulated Matrix user: real ed25519 cross-signing keys (olm PkSigning from random
 * seeds) and any number of {@link SimDevice}s. Private seeds leave only through
 * {@link SimUser.privateSeed} / {@link SimUser.privateKeyBase64}. Call {@link SimUser.free}.
 */
export class SimUser {
  /** Devices created with {@link SimUser.addDevice}, by device id; freed with the user. */
  readonly devices = new Map<string, SimDevice>();
  private keys: Record<CrossSigningRole, SigningKey>;
  /** Signatures on the current master key by this user's devices (reset when the master rotates). */
  private masterDeviceSignatures: Signatures = {};

  private constructor(
    private readonly olm: typeof Olm,
    readonly userId: string,
  ) {
    this.keys = { master: this.newKey(), self_signing: this.newKey(), user_signing: this.newKey() };
  }

  /** Creates a user with fresh master, self-signing and user-signing keys and no devices. */
  static async create(userId: string): Promise<SimUser> {
    return new SimUser(await loadOlm(), userId);
  }

  /** Public key (unpadded base64) of one cross-signing key. */
  publicKey(role: CrossSigningRole): string {
    return this.keys[role].publicKey;
  }

  /** Key id `ed25519:<public key>` of one cross-signing key. */
  keyId(role: CrossSigningRole): string {
    return `ed25519:${this.keys[role].publicKey}`;
  }

  /** The master key object, with any signatures added by {@link SimUser.signMasterWithDevice}. */
  masterKey(): CrossSigningKey {
    const key = this.bareKey('master');
    if (Object.keys(this.masterDeviceSignatures).length > 0) key.signatures = structuredClone(this.masterDeviceSignatures);
    return key;
  }

  /** The self-signing key object, signed by the master key. */
  selfSigningKey(): CrossSigningKey {
    return this.signAs('master', this.bareKey('self_signing'));
  }

  /** The user-signing key object, signed by the master key. */
  userSigningKey(): CrossSigningKey {
    return this.signAs('master', this.bareKey('user_signing'));
  }

  /** Signs any JSON object with one of the cross-signing keys (e.g. backup `auth_data` with the master key). */
  signAs<T extends object>(role: CrossSigningRole, obj: T): T & { signatures: Signatures } {
    return signJson(this.keys[role].signing, obj, this.userId, this.keyId(role));
  }

  /** Creates a device of this user (freed with the user). */
  async addDevice(deviceId: string): Promise<SimDevice> {
    if (this.devices.has(deviceId)) throw new Error(`${this.userId} already has device ${deviceId}`);
    const device = await SimDevice.create(this.userId, deviceId);
    this.devices.set(deviceId, device);
    return device;
  }

  /**
   * A copy of `deviceKeys` with the self-signing key's signature added (its own
   * self-signature kept). Takes the testkit's device keys or the engine's
   * (`ledger.deviceKeys()`), and returns the same type, signed.
   */
  crossSign<K extends DeviceKeys>(deviceKeys: K): K & { signatures: Signatures } {
    return this.signAs('self_signing', deviceKeys);
  }

  /** Another user's master key signed by this user's user-signing key ("I verified them"). */
  signUser(other: SimUser | CrossSigningKey): CrossSigningKey {
    return this.signAs('user_signing', other instanceof SimUser ? other.masterKey() : other);
  }

  /**
   * Has one of the user's devices sign the current master key (as clients do after
   * bootstrapping or verifying); later {@link SimUser.masterKey} calls include the signature.
   */
  signMasterWithDevice(device: SimDevice): CrossSigningKey {
    const signed = signJson(device, this.masterKey(), this.userId, `ed25519:${device.deviceId}`);
    this.masterDeviceSignatures = signed.signatures;
    return this.masterKey();
  }

  /**
   * Replaces the master key (an identity change). By default the self-signing and
   * user-signing keys are replaced too, as a client resetting cross-signing does.
   */
  rotateMaster(opts: { keepSubkeys?: boolean } = {}): void {
    const roles: CrossSigningRole[] = opts.keepSubkeys ? ['master'] : ['master', 'self_signing', 'user_signing'];
    for (const role of roles) {
      this.keys[role].signing.free();
      this.keys[role] = this.newKey();
    }
    this.masterDeviceSignatures = {};
  }

  /** A copy of one private seed (32 bytes). For tests of imported or leaked private keys. */
  privateSeed(role: CrossSigningRole): Uint8Array {
    return new Uint8Array(this.keys[role].seed);
  }

  /** One private seed as unpadded base64, the form secret storage and key import use. */
  privateKeyBase64(role: CrossSigningRole): string {
    return unpaddedBase64(this.keys[role].seed);
  }

  /** Frees the signing keys and all devices. */
  free(): void {
    for (const key of Object.values(this.keys)) key.signing.free();
    for (const device of this.devices.values()) device.free();
    this.devices.clear();
  }

  private bareKey(role: CrossSigningRole): CrossSigningKey {
    const pub = this.keys[role].publicKey;
    return { user_id: this.userId, usage: [role], keys: { [`ed25519:${pub}`]: pub } };
  }

  private newKey(): SigningKey {
    const signing = new this.olm.PkSigning();
    const seed = signing.generate_seed();
    const publicKey = signing.init_with_seed(seed);
    return { signing, seed, publicKey };
  }
}
