import Olm from '@matrix-org/olm';

/**
 * The olm namespace, as a type: `typeof Olm` for the loaded library, `Olm.Session` and the
 * like for its objects. Code outside `src/crypto/` that must hold raw olm objects (the
 * testkit's simulated devices) takes the type from here: `@matrix-org/olm` is imported
 * only under `src/crypto/`.
 */
export type { Olm };

let loading: Promise<typeof Olm> | undefined;

/**
 * Loads libolm (WebAssembly) once per process and returns its namespace. Every module
 * that needs olm awaits this instead of calling `Olm.init()` itself.
 *
 * libolm's Emscripten glue installs process-wide `uncaughtException` and
 * `unhandledRejection` handlers that rethrow, which would turn any stray rejection in the
 * embedding client into a crash; we remove the handlers it added.
 */
export function loadOlm(): Promise<typeof Olm> {
  loading ??= (async () => {
    const uncaught = new Set(process.listeners('uncaughtException'));
    const unhandled = new Set(process.listeners('unhandledRejection'));
    await Olm.init();
    for (const l of process.listeners('uncaughtException')) if (!uncaught.has(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!unhandled.has(l)) process.removeListener('unhandledRejection', l);
    return Olm;
  })();
  return loading;
}
