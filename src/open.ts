/**
 * Opening a ledger, or creating one: the folder checked, the vault opened with the store
 * key, our device's olm account made or unpickled, the state recovered from the newest
 * snapshot, and the parts handed to the {@link Ledger} facade.
 */
import { GENESIS_PREV_HASH, type LedgerCreatedPayload, type LedgerEntry } from '../events/entry.js';
import type { Decision } from '../projections/decision.js';
import { defaultSlices } from '../projections/index.js';
import { OwnAccount } from './crypto/account.js';
import type { LedgerOptions } from './api-types.js';
import { canonicalJson } from './canonical.js';
import { loadOlm } from './crypto/olm.js';
import { OlmCryptoPort } from './crypto/port.js';
import { decisionPuts } from './log/decisions.js';
import { LedgerDamagedError, LedgerIdentityMismatchError, LedgerNotFoundError, StoreKeyRequiredError, UnreadableEntriesError } from './errors.js';
import { Ingestor } from './ingest/ingestor.js';
import { Ledger } from './ledger.js';
import { Checkpointer } from './log/checkpointer.js';
import { encodeEntry, seqKey } from './log/entry-codec.js';
import { inspectFolder } from './log/leveldb-files.js';
import { LedgerStore, type BatchOp } from './log/store.js';
import { recoverState } from './log/recover.js';
import { Projector } from './runtime/projector.js';
import { Vault } from './crypto/vault.js';
import { ENGINE_VERSION } from './version.js';

/** The olm namespace, as `loadOlm` gives it. */
type Olm = Awaited<ReturnType<typeof loadOlm>>;

interface LedgerMeta {
  format: 1;
  user_id: string;
  device_id: string;
}

/**
 * Opens a ledger, creating it when `userId` and `deviceId` are given and none exists.
 *
 * On creation the engine makes our device's olm Account, keeps it pickled in the vault
 * and writes the log's first entry (`ledger_created`, our public keys).
 *
 * A ledger is created only in an absent or empty folder; anything else is refused before
 * LevelDB touches it, so a damaged ledger is never replaced by a new one.
 *
 * @throws LedgerNotFoundError when there is no ledger and not enough to create one.
 * @throws LedgerDamagedError when the folder holds something that is not a whole ledger
 *   (LevelDB files without `CURRENT`, other files), or a writable open finds its log unreadable.
 * @throws StoreMissingFileError, StoreFullError, StoreReadOnlyError, CorruptStoreError:
 *   what is wrong with the LevelDB folder, by name.
 * @throws LedgerLockedError when another process has it open.
 * @throws LedgerIdentityMismatchError when it belongs to another user or device.
 * @throws VaultKeyError when the store key is missing or wrong.
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  const readOnly = options.readOnly ?? false;
  const canCreate = !readOnly && options.userId !== undefined && options.deviceId !== undefined;
  // A ledger about to be created: its vault's protection is a choice made before anything is written.
  if (canCreate && (await inspectFolder(options.path)) !== 'leveldb') assertVaultChoice(options);
  const olm = await loadOlm();
  const store = await LedgerStore.open(options.path, canCreate);
  try {
    return await start(store, olm, options, readOnly);
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Creating a ledger without a store key must say so (`unencryptedVault: true`). */
function assertVaultChoice(options: LedgerOptions): void {
  if (options.storeKey === undefined && options.unencryptedVault !== true) throw new StoreKeyRequiredError(options.path);
}

/** Checkpoints signed by our account (none for a ledger opened without it). */
function checkpointer(
  store: LedgerStore,
  projector: Projector,
  account: OwnAccount | null,
  owner: { userId: string; deviceId: string; ed25519: string },
  options: LedgerOptions,
  lastSeq: number,
): Checkpointer | null {
  if (account === null) return null;
  const signer = { userId: owner.userId, deviceId: owner.deviceId, ed25519: owner.ed25519, sign: (message: string) => account.sign(message) };
  return new Checkpointer(store, projector.versions, signer, options.keepSnapshots ?? 3, lastSeq);
}

async function start(store: LedgerStore, olm: Olm, options: LedgerOptions, readOnly: boolean): Promise<Ledger> {
  const crypto = new OlmCryptoPort(olm);
  const projector = new Projector(options.slices ?? defaultSlices, crypto);
  const meta = await store.getJson<LedgerMeta>(store.meta, 'ledger');
  try {
    if (meta === undefined) {
      // A LevelDB with keys but no ledger record is not ours to write into.
      if (!(await store.isEmpty())) throw new LedgerDamagedError(store.path, 'a LevelDB that holds data but no ledger record: refusing to create a ledger in it');
      if (readOnly || options.userId === undefined || options.deviceId === undefined) throw new LedgerNotFoundError(store.path);
      return await create(store, olm, crypto, projector, options);
    }
    const who = `${meta.user_id} ${meta.device_id}`;
    if (options.userId !== undefined && options.userId !== meta.user_id) throw new LedgerIdentityMismatchError(store.path, `${options.userId} ${options.deviceId ?? ''}`.trim(), who);
    if (options.deviceId !== undefined && options.deviceId !== meta.device_id) throw new LedgerIdentityMismatchError(store.path, `${options.userId ?? meta.user_id} ${options.deviceId}`, who);
    let account: OwnAccount | null = null;
    let vault: Vault | null = null;
    // Read-only with a store key: the vault opens (to reveal sealed secrets on request),
    // the account stays closed.
    if (readOnly && options.storeKey !== undefined) vault = (await Vault.open(store, options.storeKey)).vault;
    if (!readOnly) {
      vault = (await Vault.open(store, options.storeKey)).vault;
      const pickle = await vault.get('account');
      if (pickle === undefined) throw new LedgerNotFoundError(store.path);
      account = OwnAccount.unpickle(olm, meta.user_id, meta.device_id, pickle);
    }
    const genesis = (await store.entries(0, 0).next().catch(() => ({ value: undefined }))).value?.[0] as LedgerEntry<string, LedgerCreatedPayload> | undefined;
    const keys = genesis?.kind === 'ledger_created' ? genesis.payload.keys : account?.identityKeys() ?? { ed25519: '', curve25519: '' };
    const owner = { userId: meta.user_id, deviceId: meta.device_id, ...keys };
    let recovered: Awaited<ReturnType<typeof recoverState>>;
    try {
      recovered = await recoverState(store, projector, readOnly);
    } catch (err) {
      if (err instanceof UnreadableEntriesError) throw new LedgerDamagedError(store.path, `${err.message}: nothing may be appended to it (open it read-only, or run \`keyledger verify\`)`, [], err);
      throw err;
    }
    const { init } = recovered;
    const checkpoints = checkpointer(store, projector, account, owner, options, init.lastSnapshotSeq);
    if (recovered.rebuilt && !readOnly) await checkpoints?.write(init.state, init.head);
    const ingestor = account && vault ? await Ingestor.load(olm, account, vault, { decryptWorker: options.decryptWorker !== false }) : null;
    return new Ledger({
      store, crypto, projector, account, vault, ingestor, checkpoints, options, readOnly, owner,
      state: init.state, head: init.head, memoryDecisions: recovered.memoryDecisions, damaged: recovered.damaged,
    });
  } catch (err) {
    crypto.free();
    throw err;
  }
}

/** A new ledger: our account, its vault, and the log's first entry (our public keys), written in one fsynced batch. */
async function create(store: LedgerStore, olm: Olm, crypto: OlmCryptoPort, projector: Projector, options: LedgerOptions): Promise<Ledger> {
  const userId = options.userId!;
  const deviceId = options.deviceId!;
  assertVaultChoice(options);
  const { vault, setup } = await Vault.open(store, options.storeKey);
  const account = OwnAccount.create(olm, userId, deviceId);
  const keys = account.identityKeys();
  const now = options.now ?? Date.now;
  const payload: LedgerCreatedPayload = { user_id: userId, device_id: deviceId, keys, engine_version: ENGINE_VERSION };
  const { entry: genesis, text: genesisText } = encodeEntry(0, now(), 'ledger_created', canonicalJson(payload), payload, GENESIS_PREV_HASH);
  const decisions: Decision[] = [];
  const state = projector.fold(projector.initial(), [genesis], decisions);
  const meta: LedgerMeta = { format: 1, user_id: userId, device_id: deviceId };
  await store.write(
    [
      ...setup,
      vault.putOp('account', account.pickle()),
      { type: 'put', sublevel: store.meta, key: 'ledger', value: JSON.stringify(meta) } as BatchOp,
      { type: 'put', sublevel: store.log, key: seqKey(0), value: genesisText } as BatchOp,
      ...decisionPuts(decisions),
    ],
    true,
  );
  const ingestor = await Ingestor.load(olm, account, vault, { decryptWorker: options.decryptWorker !== false });
  const owner = { userId, deviceId, ...keys };
  return new Ledger({
    store, crypto, projector, account, vault, ingestor, options, readOnly: false, owner,
    checkpoints: checkpointer(store, projector, account, owner, options, -1),
    state, head: { seq: 0, hash: genesis.hash }, memoryDecisions: null, damaged: null,
  });
}
