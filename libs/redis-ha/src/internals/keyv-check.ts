import { Keyv, KeyvHooks } from 'keyv';
import { liveHookHandlers, replaceGetSet } from './keyv';
import { checkInternals, installedVersion, runOnce, type AssertInternalsOptions } from './check-internals';

export const KEYV_SUPPORTED = '5.x (tested with 5.6.0)';

/** The Keyv internals of internals/keyv.ts that are missing or changed in the installed Keyv (in-memory probe). */
export function probeKeyvInternals(): string[] {
  const missing: string[] = [];
  const keyv = new Keyv();
  const before = liveHookHandlers(keyv)?.get(KeyvHooks.PRE_SET)?.length ?? 0;
  keyv.hooks.addHandler(KeyvHooks.PRE_SET, () => undefined);
  const live = liveHookHandlers(keyv);
  if (!(live instanceof Map) || live.get(KeyvHooks.PRE_SET)?.length !== before + 1)
    missing.push('hooks._hookHandlers (the live Map of hook name -> handlers)');
  const marker = { get: (() => undefined) as unknown as Keyv['get'], set: keyv.set };
  let original: unknown;
  try {
    replaceGetSet(keyv, (own) => ((original = own.get), { ...marker, set: own.set }));
  } catch {
    // a frozen or getter-only get/set: reported below
  }
  if (keyv.get !== marker.get || typeof original !== 'function' || typeof Keyv.prototype.get !== 'function')
    missing.push('get / set replaceable on an instance');
  return missing;
}

const state = { done: false };

/**
 * Throws if the installed Keyv lacks an internal the cache uses (see internals/keyv.ts). Probes once per process;
 * `options` fake the version or the probe in tests.
 */
export function assertKeyvInternals(options: AssertInternalsOptions = {}): void {
  runOnce(state, options, (version, probe) =>
    checkInternals({
      pkg: 'keyv',
      version: version ?? installedVersion('keyv'),
      supported: KEYV_SUPPORTED,
      missing: (probe ?? probeKeyvInternals)(),
    }),
  );
}
