import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { VaultKeyError } from './errors.js';
import type { BatchOp, LedgerStore } from './log/store.js';

/** How the vault is protected, recorded in `meta` when the ledger is created. */
interface VaultMeta {
  mode: 'aes-256-gcm' | 'none';
  /** scrypt salt (base64) for the store key. */
  salt?: string;
  /** A sealed known text, to tell a wrong store key from a corrupt record. */
  check?: string;
}

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
        return { vault: new Vault(store, null), setup: [putMeta(store, { mode: 'none' })] };
      }
      const salt = randomBytes(16);
      const vault = new Vault(store, deriveKey(storeKey, salt));
      const setup = [putMeta(store, { mode: 'aes-256-gcm', salt: salt.toString('base64'), check: vault.seal(CHECK_TEXT) })];
      return { vault, setup };
    }
    if (meta.mode === 'none') {
      if (storeKey !== undefined) throw new VaultKeyError('this ledger was created without a store key; its vault is not encrypted');
      return { vault: new Vault(store, null), setup: [] };
    }
    if (storeKey === undefined) throw new VaultKeyError('this ledger\'s vault is encrypted: a store key is required (KEYLEDGER_STORE_KEY for the CLI)');
    const vault = new Vault(store, deriveKey(storeKey, Buffer.from(meta.salt ?? '', 'base64')));
    let check: string;
    try {
      check = vault.open(meta.check ?? '');
    } catch (err) {
      throw new VaultKeyError('wrong store key for this ledger', err);
    }
    if (check !== CHECK_TEXT) throw new VaultKeyError('wrong store key for this ledger');
    return { vault, setup: [] };
  }

  /** Seals a secret for storage (identity when the vault is not encrypted). */
  seal(plaintext: string): string {
    if (this.key === null) return `plain:${plaintext}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `gcm:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  }

  /** Opens a sealed secret; throws `VaultKeyError` if it was tampered with or the key is wrong. */
  open(sealed: string): string {
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
      decipher.setAuthTag(Buffer.from(authTag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new VaultKeyError('a vault record failed its integrity check (wrong store key or tampering)', err);
    }
  }

  /** A batch operation that stores `plaintext` sealed under `key`. */
  putOp(key: string, plaintext: string): BatchOp {
    return { type: 'put', sublevel: this.store.vault, key, value: this.seal(plaintext) } as BatchOp;
  }

  /** Every record whose key starts with `prefix`, opened, in key order. */
  async entries(prefix: string): Promise<[string, string][]> {
    const out: [string, string][] = [];
    for await (const [key, sealed] of this.store.vault.iterator({ gte: prefix, lt: `${prefix}\uffff` })) out.push([key, this.open(sealed)]);
    return out;
  }

  async get(key: string): Promise<string | undefined> {
    const sealed = await this.store.vault.get(key);
    return sealed === undefined ? undefined : this.open(sealed);
  }
}

function putMeta(store: LedgerStore, meta: VaultMeta): BatchOp {
  return { type: 'put', sublevel: store.meta, key: 'vault', value: JSON.stringify(meta) } as BatchOp;
}

function deriveKey(storeKey: string | Uint8Array, salt: Buffer): Buffer {
  return scryptSync(typeof storeKey === 'string' ? Buffer.from(storeKey, 'utf8') : Buffer.from(storeKey), salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}
