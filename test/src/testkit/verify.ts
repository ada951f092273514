import { loadOlm } from '../../../src/crypto/olm.js';
import { signingPayload } from '../../../src/testkit/index.js';

/**
 * Checks `obj.signatures[userId][keyId]` with olm's own ed25519 verification over the
 * canonical JSON (without `signatures`/`unsigned`): independent of the signing path.
 */
export async function verifySigned(obj: object, userId: string, keyId: string, publicKey: string): Promise<boolean> {
  const olm = await loadOlm();
  const signature = (obj as { signatures?: Record<string, Record<string, string>> }).signatures?.[userId]?.[keyId];
  if (!signature) return false;
  const utility = new olm.Utility();
  try {
    utility.ed25519_verify(publicKey, signingPayload(obj), signature);
    return true;
  } catch {
    return false;
  } finally {
    utility.free();
  }
}
