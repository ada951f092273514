import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { VaultKeyError, VaultRecordError } from '../errors.js';
import type { BatchOp, LedgerStore } from '../log/store.js';
import { VAULT_PREFIX } from '../log/keys.js';

/** How the vault is protected, recorded in `meta` when the ledger is created. */
interface VaultMeta {
  mode: 'aes-256-gcm' | 'none';
  /** scrypt salt (base64) for the store key. */
  salt?: string;
  /** A sealed known text, to tell a wrong store key from a corrupt record. */
  check?: string;
  /**
   * True when every sealed text is bound to its place (AES-GCM associated data): a vault
   * record to its key name, a sealed field of the log to the field's name. Ledgers made
   * before this opened unbound.
   */
  bound?: boolean;
}

/** The fields of log entries that hold a text sealed with the store key. */
export type LogSealedField = 'sealed_content' | 'raw_sealed' | 'sealed_plaintext';

/** The place a sealed text is bound to (its associated data). */
const vaultPlace = (key: string) => `vault/${key}`;
const logPlace = (field: LogSealedField) => `log/${field}`;
const CHECK_PLACE = 'meta/vault.check';

const CHECK_TEXT = 'keyledger vault v1';

/**
 * Secrets at rest: the pickled Olm account and sessions, and (later) secret payloads.
 * With a store key every record is sealed with AES-256-GCM under a key derived by scrypt;
 * without one the vault is readable by anyone who can read the folder, and says so.
 */
export class Vault {
  private constructor(
    private readonly store: LedgerStore,
    private readonly key: Buffer | null,
    /** Whether sealed texts are bound to their place (every ledger created since). */
    private readonly bound: boolean,
  ) {}

  /** True when records are encrypted with the client's store key. */
  get encrypted(): boolean {
    return this.key !== null;
  }

  /**
   * Opens the vault of a store, setting it up on first use. Throws `VaultKeyError` when
   * the key is missing for an encrypted vault, given for a plain one, or wrong.
   */
  static async open(store: LedgerStore, storeKey: string | Uint8Array | undefined): Promise<{ vault: Vault; setup: BatchOp[] }> {
    const meta = await store.getJson<VaultMeta>(store.meta, 'vault');
    if (meta === undefined) {
      if (storeKey === undefined) {
        return { vault: new Vault(store, null, false), setup: [putMeta(store, { mode: 'none' })] };
      }
      const salt = randomBytes(16);
      const vault = new Vault(store, deriveKey(storeKey, salt), true);
      const setup = [putMeta(store, { mode: 'aes-256-gcm', salt: salt.toString('base64'), check: vault.sealAt(CHECK_TEXT, CHECK_PLACE), bound: true })];
      return { vault, setup };
    }
    if (meta.mode === 'none') {
      if (storeKey !== undefined) throw new VaultKeyError('this ledger was created without a store key; its vault is not encrypted');
      return { vault: new Vault(store, null, false), setup: [] };
    }
    if (storeKey === undefined) throw new VaultKeyError('this ledger\'s vault is encrypted: a store key is required (KEYLEDGER_STORE_KEY for the CLI)');
    const vault = new Vault(store, deriveKey(storeKey, Buffer.from(meta.salt ?? '', 'base64')), meta.bound === true);
    let check: string;
    try {
      check = vault.openAt(meta.check ?? '', CHECK_PLACE);
    } catch (err) {
      throw new VaultKeyError('wrong store key for this ledger', err);
    }
    if (check !== CHECK_TEXT) throw new VaultKeyError('wrong store key for this ledger');
    return { vault, setup: [] };
  }

  /** Seals a secret for a field of the log entry (identity when the vault is not encrypted). */
  sealForLog(plaintext: string, field: LogSealedField): string {
    return this.sealAt(plaintext, logPlace(field));
  }

  /**
   * Opens a secret sealed in a field of the log. Throws `VaultKeyError` for a wrong key,
   * `VaultRecordError` when the text was altered or belongs to another field.
   */
  openFromLog(sealed: string, field: LogSealedField): string {
    return this.openAt(sealed, logPlace(field));
  }

  /** Seals `plaintext` bound to `place` (its associated data, when the vault binds). */
  private sealAt(plaintext: string, place: string): string {
    if (this.key === null) return `plain:${plaintext}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    if (this.bound) cipher.setAAD(Buffer.from(place, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `gcm:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  }

  /**
   * Opens a text sealed at `place`. Throws `VaultKeyError` for a record this key cannot
   * open, `VaultRecordError` for one that fails its integrity check under the right key
   * (edited, or moved from another place).
   */
  private openAt(sealed: string, place: string): string {
    if (sealed.startsWith('plain:')) {
      if (this.key !== null) throw new VaultKeyError('a plaintext record in an encrypted vault');
      return sealed.slice('plain:'.length);
    }
    const [tag, iv, authTag, ct] = sealed.split(':');
    if (tag !== 'gcm' || iv === undefined || authTag === undefined || ct === undefined || this.key === null) {
      throw new VaultKeyError('a vault record this key cannot open');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      if (this.bound) decipher.setAAD(Buffer.from(place, 'utf8'));
      decipher.setAuthTag(Buffer.from(authTag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
    } catch (err) {
      // The check record proved the key when the vault opened: a failure now is the record's.
      if (place === CHECK_PLACE) throw new VaultKeyError('a vault record failed its integrity check (wrong store key or tampering)', err);
      throw new VaultRecordError(place, err);
    }
  }

  /** A batch operation that stores `plaintext` sealed under `key`. */
  putOp(key: string, plaintext: string): BatchOp {
    // A root-level key (the vault sublevel's prefix spelled out): a batch of root-level
    // string puts is written natively (see `LedgerStore.write`), and an encrypted event
    // saves its session in every batch.
    return { type: 'put', key: `${VAULT_PREFIX}${key}`, value: this.sealAt(plaintext, vaultPlace(key)) };
  }

  /** Every record whose key starts with `prefix`, opened, in key order. */
  async entries(prefix: string): Promise<[string, string][]> {
    const out: [string, string][] = [];
    for await (const [key, sealed] of this.store.vault.iterator({ gte: prefix, lt: `${prefix}\uffff` })) out.push([key, this.openAt(sealed, vaultPlace(key))]);
    return out;
  }

  async get(key: string): Promise<string | undefined> {
    const sealed = await this.store.vault.get(key);
    return sealed === undefined ? undefined : this.openAt(sealed, vaultPlace(key));
  }
}

function putMeta(store: LedgerStore, meta: VaultMeta): BatchOp {
  return { type: 'put', sublevel: store.meta, key: 'vault', value: JSON.stringify(meta) } as BatchOp;
}

function deriveKey(storeKey: string | Uint8Array, salt: Buffer): Buffer {
  return scryptSync(typeof storeKey === 'string' ? Buffer.from(storeKey, 'utf8') : Buffer.from(storeKey), salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}
