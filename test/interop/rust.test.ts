import assert from 'node:assert/strict';
import { createRustDevice, rustBootstrapCrossSigning, rustKeysQueryResponse, rustKeysUpload, type KeysUploadBody, type RustIdentity, type RustSdk } from './rust.js';
import { verifySigned } from '../src/testkit/verify.js';

describe('interop: Rust SDK device keys and cross-signing', () => {
  const userId = '@rust:example.org';
  let machine: RustSdk.OlmMachine;
  let upload: KeysUploadBody;
  let identity: RustIdentity;

  // One machine for the whole file: creation is the slow part.
  before(async () => {
    machine = await createRustDevice(userId, 'RUSTDEV');
    upload = (await rustKeysUpload(machine))!;
    identity = await rustBootstrapCrossSigning(machine);
  });
  after(() => machine.close());

  const ed25519 = () => upload.device_keys!.keys['ed25519:RUSTDEV']!;
  const pub = (key: { keys: Record<string, string> }) => Object.values(key.keys)[0]!;

  it('uploads self-signed device keys, one-time keys and a fallback key', async () => {
    const keys = upload.device_keys!;
    assert.equal(keys.user_id, userId);
    assert.equal(keys.device_id, 'RUSTDEV');
    assert.ok(await verifySigned(keys, userId, 'ed25519:RUSTDEV', ed25519()));
    const otks = Object.entries(upload.one_time_keys ?? {});
    assert.ok(otks.length > 0);
    for (const [id, otk] of otks.slice(0, 3)) {
      assert.match(id, /^signed_curve25519:/);
      assert.ok(await verifySigned(otk, userId, 'ed25519:RUSTDEV', ed25519()));
    }
    assert.ok(Object.keys(upload.fallback_keys ?? {}).length <= 1);
    assert.equal(await rustKeysUpload(machine), undefined, 'nothing left to upload');
  });

  it('the master key signs the self-signing and user-signing keys', async () => {
    const master = pub(identity.masterKey!);
    assert.deepEqual(identity.masterKey!.usage, ['master']);
    assert.ok(await verifySigned(identity.selfSigningKey!, userId, `ed25519:${master}`, master));
    assert.ok(await verifySigned(identity.userSigningKey!, userId, `ed25519:${master}`, master));
  });

  it('the device signs the master key (and the master key signs itself)', async () => {
    const master = pub(identity.masterKey!);
    assert.ok(await verifySigned(identity.masterKey!, userId, 'ed25519:RUSTDEV', ed25519()));
    assert.ok(await verifySigned(identity.masterKey!, userId, `ed25519:${master}`, master));
  });

  it('the self-signing key signs the device; its self-signature is kept', async () => {
    const ssk = pub(identity.selfSigningKey!);
    assert.ok(await verifySigned(identity.deviceKeys, userId, `ed25519:${ssk}`, ssk));
    assert.ok(await verifySigned(identity.deviceKeys, userId, 'ed25519:RUSTDEV', ed25519()));
  });

  it('builds a /keys/query response from the real data', () => {
    const body = rustKeysQueryResponse([identity]);
    assert.deepEqual(body.device_keys[userId]!['RUSTDEV'], identity.deviceKeys);
    assert.deepEqual(body.master_keys[userId], identity.masterKey);
    assert.deepEqual(body.self_signing_keys[userId], identity.selfSigningKey);
    assert.deepEqual(body.user_signing_keys, {});
    assert.ok(rustKeysQueryResponse([identity], { includeUserSigningKey: true }).user_signing_keys[userId]);
  });
});
