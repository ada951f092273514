import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { openLedger, type Ledger } from '../../../src/index.js';
import { VAULT_PREFIX } from '../../../src/log/keys.js';
import { SimDevice } from '../../../src/testkit/index.js';
import { cli as runCli } from '../../helpers/cli.js';
import { readSpecYaml } from '../../events/reference.js';
import { ledgerRecipient } from '../../helpers/peers.js';
import { tempDir } from '../../helpers/tmp.js';

const ME = { userId: '@me:example.org', deviceId: 'ME' };
const ROOM = '!room:example.org';
const STORE_KEY = 'no-secret-in-clear store key';

/** Runs the CLI in-process with `env`, nothing on stdin. */
const cli = (args: string[], env: Record<string, string>) => runCli(args, '', env);

/** Every file under `dir`, read raw. */
function folderBytes(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((file) => ({ file, text: readFileSync(file).toString('latin1') }));
}

/** Every record of every sublevel, read through LevelDB (the raw tables may be compressed). */
async function allRecords(path: string): Promise<[string, string][]> {
  const db = new Level<string, string>(path, { valueEncoding: 'utf8' });
  await db.open();
  try {
    const out: [string, string][] = [];
    for await (const [k, v] of db.iterator()) out.push([k, v]);
    return out;
  } finally {
    await db.close();
  }
}

/**
 * Compacts the whole LevelDB, so its log files become tables. Uncompressed, so the raw
 * bytes can be searched (snappy would split a string); the records are checked through
 * LevelDB as well.
 */
async function compact(path: string): Promise<void> {
  const db = new Level<string, string>(path, { valueEncoding: 'utf8', compression: false });
  await db.open();
  try {
    await (db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('\u0000', '\uffff');
  } finally {
    await db.close();
  }
}

const marker = (name: string) => `klsecret${name}${randomBytes(8).toString('hex')}`;

/** The spec's example EncryptedFile with its key replaced. */
function encryptedFile(k: unknown): Record<string, unknown> {
  const example = readSpecYaml('event-schemas/examples/m.room_key_bundle.yaml') as { content: { file: { key: Record<string, unknown> } } };
  return { ...example.content.file, key: typeof k === 'string' ? { ...example.content.file.key, k } : k };
}

/**
 * The part of a Megolm key that its export at the same index shares byte for byte (the
 * version byte differs, the signature is dropped): base64 chars from 8 cover bytes from 6.
 */
const ratchetOf = (sessionKey: string) => sessionKey.slice(8, 60);

for (const withKey of [true, false]) {
  describe(`secrets: no secret in the clear, ever (${withKey ? 'with' : 'without'} a store key)`, function () {
    this.timeout(120_000);
    const dir = tempDir('keyledger-secrets-');
    const env: Record<string, string> = withKey ? { KEYLEDGER_STORE_KEY: STORE_KEY } : {};
    /** Secrets sent in every way, by how they were sent. */
    const secrets = new Map<string, string>();
    /** Megolm keys that arrived over Olm: the vault keeps them, so a key-less vault holds them by choice. */
    const vaultKeys: string[] = [];
    /** A value that is not secret, logged in the clear: proves the searches can see. */
    const control = `!control${randomBytes(8).toString('hex')}:example.org`;
    const errors: string[] = [];

    before(async () => {
      const ledger: Ledger = await openLedger({ path: dir.path, ...ME, ...(withKey ? { storeKey: STORE_KEY } : { unencryptedVault: true }) });
      const alice = await SimDevice.create('@me:example.org', 'ALICE');
      const eve = await SimDevice.create('@eve:example.org', 'EVE');
      const ingest = async (input: unknown) => {
        try {
          await ledger.ingestUnknown(input);
        } catch (err) {
          errors.push(`${String(err)} ${JSON.stringify(err)} ${(err as Error).stack ?? ''}`);
        }
      };
      try {
        const recipient = await ledgerRecipient(ledger);
        const olm = async (from: SimDevice, type: string, content: Record<string, unknown>, opts = {}) =>
          ingest({ kind: 'to_device', event: from.encryptToDevice(recipient, type, content, opts) });
        const clear = (type: string, content: Record<string, unknown>) => ingest({ kind: 'to_device', event: { type, sender: '@eve:example.org', content } });
        const s = (name: string) => {
          const m = marker(name);
          secrets.set(name, m);
          return m;
        };

        // m.room_key_bundle: over Olm, in the clear, malformed (rejected), over Olm malformed.
        await olm(alice, 'm.room_key_bundle', { room_id: ROOM, file: encryptedFile(s('bundleolm')) });
        await clear('m.room_key_bundle', { room_id: control, file: encryptedFile(s('bundleclear')) });
        await ingest({ kind: 'to_device', event: { type: 'm.room_key_bundle', sender: '@eve:example.org', content: { room_id: ROOM, file: { ...encryptedFile(s('bundlerejected')), iv: undefined } } } });
        await ingest(`{"kind":"to_device","event":{"type":"m.room_key_bundle","content":{"file":{"key":{"kty":"oct","k":"${s('bundletruncated')}"`);
        await olm(alice, 'm.room_key_bundle', { room_id: ROOM, file: encryptedFile({ k: s('bundleolmmalformed') }) });
        await olm(alice, 'm.room_key_bundle', { room_id: ROOM, file: { key: s('bundlekeystring'), iv: 'x' } });

        // Real Megolm keys, over Olm (m.room_key, m.forwarded_room_key) and in the clear.
        const session = alice.createOutboundSession(ROOM);
        const roomKey = session.roomKeyContent();
        secrets.set('roomkeyolm', roomKey.session_key as string);
        vaultKeys.push(roomKey.session_key as string);
        await olm(alice, 'm.room_key', roomKey as unknown as Record<string, unknown>);
        const other = eve.createOutboundSession(ROOM);
        const forwarded = await other.forwardedRoomKeyContent(0);
        secrets.set('forwardedolm', forwarded.session_key);
        vaultKeys.push(forwarded.session_key);
        await olm(alice, 'm.forwarded_room_key', forwarded as unknown as Record<string, unknown>);
        const third = eve.createOutboundSession(ROOM);
        const clearKey = third.roomKeyContent();
        secrets.set('roomkeyclear', clearKey.session_key as string);
        await clear('m.room_key', clearKey as unknown as Record<string, unknown>);

        // A QR code's shared secret in a room: an m.reciprocate.v1 start, Megolm-encrypted (its
        // content rides in the megolm_decrypted fact for the verification slice) and in the clear.
        const reciprocate = (secret: string) => ({ method: 'm.reciprocate.v1', from_device: 'ALICE', secret, 'm.relates_to': { rel_type: 'm.reference', event_id: '$request' } });
        const encryptedStart = session.encrypt('m.key.verification.start', reciprocate(s('qrsecretencrypted')), { eventId: '$qr-encrypted', originServerTs: Date.now() });
        try {
          await ledger.decryptRoomEvent(ROOM, encryptedStart);
        } catch (err) {
          errors.push(String(err));
        }
        await ingest({ kind: 'room_event', room_id: ROOM, event: { type: 'm.key.verification.start', sender: '@me:example.org', event_id: '$qr-clear', origin_server_ts: Date.now(), room_id: ROOM, content: reciprocate(s('qrsecretclear')) } });

        // m.secret.send: over Olm, in the clear, in a payload that is not an Olm payload, in one that is not JSON.
        await olm(alice, 'm.secret.send', { request_id: 'r1', secret: s('secretolm') });
        await clear('m.secret.send', { request_id: 'r2', secret: s('secretclear') });
        await olm(alice, 'm.secret.send', { request_id: 'r3', secret: s('secretbadpayload') }, { plaintext: { keys: undefined } });
        await olm(alice, 'm.secret.send', {}, { rawPlaintext: `{"type":"m.secret.send","content":{"secret":"${s('secretnotjson')}"` });
        await ingest({ kind: 'to_device', event: { type: 'm.secret.send', sender: '@eve:example.org', content: { secret: s('secretrejected') } } });

        // Gossip: a secret we asked our verified device for, accepted and sealed in the vault
        // (a key-less vault holds it by choice); then that device asks us for it and for the
        // room key, and we answer over Olm (only ciphertext is logged).
        await ingest({ kind: 'keys_query', response: { device_keys: { [ME.userId]: { ALICE: alice.deviceKeys() } }, failures: {} } });
        await ingest({ kind: 'user_action', action: 'verify_device', user_id: ME.userId, device_id: 'ALICE', ed25519: alice.ed25519 });
        const asked = await ledger.requestSecret('m.megolm_backup.v1');
        const accepted = s('secretaccepted');
        vaultKeys.push(accepted);
        await olm(alice, 'm.secret.send', { request_id: asked.requestId, secret: accepted });
        const mine = (type: string, content: Record<string, unknown>) => ingest({ kind: 'to_device', event: { type, sender: ME.userId, content } });
        await mine('m.secret.request', { action: 'request', name: 'm.megolm_backup.v1', requesting_device_id: 'ALICE', request_id: 'ask1' });
        await mine('m.room_key_request', { action: 'request', requesting_device_id: 'ALICE', request_id: 'ask2', body: { algorithm: 'm.megolm.v1.aes-sha2', room_id: ROOM, session_id: session.sessionId } });
        const answers = ledger.outgoingRequests().filter((r) => r.type === 'to_device' && r.event_type === 'm.room.encrypted');
        if (answers.length !== 2) errors.push(`expected 2 Olm answers (m.secret.send, m.forwarded_room_key), got ${answers.length}`);
        session.free();
        other.free();
        third.free();
      } finally {
        alice.free();
        eve.free();
        await ledger.close();
      }
    });
    after(() => dir.cleanup());

    /** Where `text` holds a secret: the names of those found. */
    const leaks = (text: string, { exceptVaultKeys = false } = {}) =>
      [...secrets]
        .filter(([, m]) => !(exceptVaultKeys && vaultKeys.includes(m)))
        .filter(([, m]) => text.includes(m) || (m.length > 60 && text.includes(ratchetOf(m))))
        .map(([n]) => n);

    it('logged every way a secret was sent', () => {
      assert.equal(secrets.size, 17);
      assert.equal(errors.length, 3, errors.map((e) => e.split('\n')[0]).join('\n')); // the rejected inputs
    });

    it('no secret in any file of the ledger folder, before and after a compaction', async () => {
      for (const pass of ['closed', 'compacted']) {
        if (pass === 'compacted') await compact(dir.path);
        const files = folderBytes(dir.path);
        assert.ok(files.some((f) => f.text.includes(control)), `${pass}: the control value is visible in the raw files`);
        for (const { file, text } of files) {
          // Without a store key the vault holds the Megolm keys it imported in the clear: the caller chose that.
          assert.deepEqual(leaks(text, { exceptVaultKeys: !withKey }), [], `${pass}: ${file}`);
        }
      }
    });

    it('no secret in any record of any sublevel (without a store key, imported Megolm keys only in the vault, by choice)', async () => {
      const records = await allRecords(dir.path);
      assert.ok(records.some(([, v]) => v.includes(control)));
      for (const [key, value] of records) {
        const vault = key.startsWith(VAULT_PREFIX);
        assert.deepEqual(leaks(value, { exceptVaultKeys: !withKey && vault }), [], key);
      }
      if (!withKey) {
        const vaultText = records.filter(([k]) => k.startsWith(VAULT_PREFIX)).map(([, v]) => v).join('\n');
        for (const k of vaultKeys) assert.ok(vaultText.includes(ratchetOf(k)), 'the key-less vault holds the imported key, as chosen');
      }
    });

    it('no secret in export, log --json, report --json, state --json, decisions --json, requests (--json) or a bundle', async () => {
      for (const args of [['export'], ['log', '--json'], ['report', '--json'], ['state', '--json'], ['decisions', '--json'], ['requests'], ['requests', '--json'], ['bundle']]) {
        const r = await cli(['--db', dir.path, ...args], env);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.ok(r.stdout.length > 0, args.join(' '));
        assert.deepEqual(leaks(r.stdout + r.stderr), [], args.join(' '));
      }
    });

    it('no secret in the errors ingestion threw', () => {
      assert.deepEqual(leaks(errors.join('\n')), []);
    });

    it('no secret in what `keyledger ingest` prints for refused and rejected lines, nor in the folder after', async () => {
      const file = join(dir.path, '..', `${randomBytes(6).toString('hex')}-secrets.ndjson`);
      const lines = [
        JSON.stringify({ kind: 'to_device', event: { type: 'm.room_key_bundle', sender: '@eve:example.org', content: { room_id: ROOM, file: encryptedFile(marker('x')) } } }),
        `{"kind":"to_device","event":{"type":"m.room_key_bundle","content":{"file":{"key":{"kty":"oct","k":"${marker('y')}"`,
        JSON.stringify({ kind: 'to_device', event: { type: 'm.secret.send', sender: '@eve:example.org', content: { secret: marker('z') } } }),
      ];
      const sent = lines.map((l) => /klsecret[0-9a-z]+/.exec(l)![0]);
      sent.forEach((m, i) => secrets.set(`cli${i}`, m));
      writeFileSync(file, `${lines.join('\n')}\n`);
      try {
        for (const args of [['ingest', file], ['ingest', '--json', file]]) {
          const r = await cli(['--db', dir.path, ...args], env);
          assert.ok(r.stderr.length > 0 || r.stdout.length > 0, args.join(' '));
          assert.deepEqual(leaks(r.stdout + r.stderr), [], args.join(' '));
        }
      } finally {
        rmSync(file, { force: true });
      }
      const records = await allRecords(dir.path);
      for (const [key, value] of records) assert.deepEqual(leaks(value, { exceptVaultKeys: !withKey && key.startsWith(VAULT_PREFIX) }), [], key);
    });

    if (withKey) {
      it('keeps what it took out sealed: export --include-secrets gives back every secret the log received', async () => {
        const r = await cli(['--db', dir.path, 'export', '--include-secrets'], env);
        assert.equal(r.code, 0, r.stderr);
        const revealed = [...secrets].filter(([, m]) => r.stdout.includes(m)).map(([n]) => n).sort();
        // The encrypted QR secret was never in the clear in the log: only inside the room event's Megolm ciphertext.
        assert.deepEqual(revealed, [...secrets.keys()].filter((n) => n !== 'qrsecretencrypted').sort());
      });
    }
  });
}
