import { Keyv, KeyvHooks } from 'keyv';
import { liveHookHandlers, replaceGetSet } from './keyv';
import { assertKeyvInternals, probeKeyvInternals } from './keyv-check';

/** One test per Keyv internal of internals/keyv.ts (an upgrade that moves one fails here by name); in memory. */
describe('Keyv internals', () => {
  it('hooks._hookHandlers', () => {
    const keyv = new Keyv();
    const live = liveHookHandlers(keyv);
    expect(live).toBeInstanceOf(Map);
    const handler = () => undefined;
    keyv.hooks.addHandler(KeyvHooks.PRE_SET, handler);
    expect(liveHookHandlers(keyv)).toBe(live); // the same map, not a copy
    expect(live?.get(KeyvHooks.PRE_SET)).toEqual([handler]);
    keyv.hooks.removeHandler(KeyvHooks.PRE_SET, handler);
    expect(live?.get(KeyvHooks.PRE_SET) ?? []).toEqual([]);
  });

  it('get / set replaced on the instance', async () => {
    const keyv = new Keyv();
    await keyv.set('k', 'stored');
    replaceGetSet(keyv, (own) => ({
      get: ((key: string) => own.get(key).then((value) => `direct:${String(value)}`)) as Keyv['get'],
      set: ((key: string, value: unknown) => own.set(key, `direct:${String(value)}`)) as Keyv['set'],
    }));
    expect(await keyv.get('k')).toBe('direct:stored');
    await keyv.set('k2', 'v');
    expect(await keyv.get('k2')).toBe('direct:direct:v');
    expect(await new Keyv().get('k')).toBeUndefined(); // other instances keep Keyv's own
  });

  it('the startup probe finds every internal on the installed Keyv', () => {
    expect(probeKeyvInternals()).toEqual([]);
    expect(() => assertKeyvInternals()).not.toThrow();
  });

  it('the startup check names the version and each missing internal', () => {
    expect(() => assertKeyvInternals({ version: '6.0.0', probe: () => ['hooks._hookHandlers'] })).toThrow(
      /^keyv 6\.0\.0 \(installed\) lacks internals .*: hooks\._hookHandlers\. Supported: keyv 5\.x/,
    );
  });
});
