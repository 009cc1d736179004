/**
 * The one place that touches Keyv 5 internals. Type-only import: loading this file does not load keyv.
 * `assertKeyvInternals()` (keyv-check.ts) verifies at startup that each one is there; keyv.spec.ts has one test
 * per internal.
 */
import type { Keyv } from 'keyv';

/**
 * The hooks manager's live handler map (`hooks._hookHandlers`): hook name -> handlers. `hooks.handlers` copies
 * it on every read, too slow for a check on every `get`. Undefined if this Keyv has no such map.
 */
export function liveHookHandlers(keyv: Keyv): ReadonlyMap<string, readonly unknown[]> | undefined {
  return (keyv.hooks as unknown as { _hookHandlers?: Map<string, unknown[]> })._hookHandlers;
}

/** Keyv's own `get` and `set`, bound to one instance. */
export interface KeyvGetSet {
  get: Keyv['get'];
  set: Keyv['set'];
}

/**
 * Replaces `get` and `set` on this one instance (they are prototype methods: an own property shadows them for
 * every caller, here `CACHE_MANAGER`) with `build(original)`, where `original` is Keyv's own pair bound to it.
 */
export function replaceGetSet(keyv: Keyv, build: (original: KeyvGetSet) => KeyvGetSet): void {
  const replaced = build({ get: keyv.get.bind(keyv), set: keyv.set.bind(keyv) });
  keyv.get = replaced.get;
  keyv.set = replaced.set;
}
