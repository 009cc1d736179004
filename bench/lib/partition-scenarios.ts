import type Redis from 'ioredis';
import { getRedisToken } from '@app/redis-ha';
import { DOWN_AFTER_MS, PartitionRig } from './partition-rig';
import { sleep } from './stats';

export type ScenarioResult = Record<string, number>;
type Scenario = (basePort: number, tag: string) => Promise<ScenarioResult>;

/** How long a partition lasts after the sentinels switched (writes keep coming on both sides). */
const AFTER_SWITCH_MS = 3000;

async function withRig(
  basePort: number,
  tag: string,
  env: Record<string, string>,
  run: (rig: PartitionRig) => Promise<ScenarioResult>,
): Promise<ScenarioResult> {
  const rig = await PartitionRig.start(basePort, tag, env);
  try {
    return await run(rig);
  } finally {
    await rig.stop();
  }
}

/** The master cut from the sentinels and the replicas; with `appToo`, the app also reaches only the master. */
function isolateMaster(appToo: boolean): Scenario {
  return (basePort, tag) =>
    withRig(basePort, tag, {}, async (rig) => {
      const { cluster } = rig;
      const master = await cluster.master();
      rig.startLoads();
      await sleep(2000);
      const sw = cluster.nextSwitch(60_000);
      await sw.ready;
      const cutAt = Date.now();
      rig.cutBetween(appToo ? [rig.node(master), rig.app] : [rig.node(master)], rig.allBut(master));
      const readyDown = appToo ? rig.readyDownAfter(cutAt, 10_000) : Promise.resolve(undefined);
      const switched = await sw;
      await sleep(AFTER_SWITCH_MS);
      rig.partition.healAll();
      const healAt = Date.now();
      const readyDownAfterMs = await readyDown;
      const r = await rig.finish([master]);
      const resumedAt = appToo ? rig.libLoad.firstAckAfter(healAt) : rig.libLoad.firstAckAfter(switched.at);
      return {
        switchAfterCutMs: switched.at - cutAt,
        libLost: r.libLost,
        rawLost: r.rawLost,
        libFailed: r.lib.failed,
        libFailedButApplied: r.libFailedButApplied,
        durableAcked: r.durable.acked,
        durableLost: r.durableLost,
        durableFailedButApplied: r.durableFailedButApplied,
        ...(appToo
          ? { readyDownAfterMs: readyDownAfterMs ?? -1, resumeAfterHealMs: (resumedAt ?? Infinity) - healAt }
          : { resumeAfterSwitchMs: (resumedAt ?? Infinity) - switched.at }),
      };
    });
}

/** The replica the library's reader is on cut from the master for 10 s; reads of a clock key written every 5 ms. */
const replicaIsolated: Scenario = (basePort, tag) =>
  withRig(basePort, tag, { REDIS_READ_FROM: 'replica' }, async (rig) => {
    const { cluster } = rig;
    const reader = rig.nest.get<Redis>(getRedisToken('reader'));
    const clock = setInterval(() => void rig.lib.set('app:part:clock', String(Date.now())).catch(() => 0), 5);
    let maxLagMs = 0;
    let measuring = false;
    let reads = true;
    const readLoop = (async () => {
      while (reads) {
        const value = await reader.get('app:part:clock').catch(() => null);
        if (measuring && value !== null) maxLagMs = Math.max(maxLagMs, Date.now() - Number(value));
        await sleep(20);
      }
    })();
    try {
      await sleep(2000);
      const port = (reader as unknown as { stream?: { remotePort?: number } }).stream?.remotePort;
      const replica = cluster.redisPorts.find((p) => p === port);
      if (replica === undefined) throw new Error(`the reader is not on a replica (port ${port})`);
      const master = await cluster.master();
      const events: { type: string; at: number; port: number }[] = [];
      const sub = rig.events.events$.subscribe((e) => {
        if (e.type === 'replica-stale' || e.type === 'replica-fresh')
          events.push({ type: e.type, at: Date.now(), port: e.replica.port });
      });
      measuring = true;
      const cutAt = Date.now();
      rig.partition.cut(rig.node(replica), rig.node(master));
      await sleep(10_000);
      rig.partition.healAll();
      const healAt = Date.now();
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !events.some((e) => e.type === 'replica-fresh' && e.port === replica))
        await sleep(50);
      measuring = false;
      sub.unsubscribe();
      const at = (type: string) => events.find((e) => e.type === type && e.port === replica)?.at;
      return {
        maxLagMs,
        staleAfterCutMs: (at('replica-stale') ?? Infinity) - cutAt,
        freshAfterHealMs: (at('replica-fresh') ?? Infinity) - healAt,
      };
    } finally {
      reads = false;
      clearInterval(clock);
      await readLoop;
    }
  });

/** A planned SENTINEL FAILOVER with the committed configs. */
const switchover: Scenario = (basePort, tag) =>
  withRig(basePort, tag, {}, async (rig) => {
    const { cluster } = rig;
    const master = await cluster.master();
    rig.startLoads();
    await sleep(2000);
    const sw = cluster.nextSwitch(60_000);
    await sw.ready;
    await cluster.failover();
    const switched = await sw;
    await sleep(4000);
    const r = await rig.finish([master]);
    return {
      resumeAfterSwitchMs: r.lib.pauseEndedAt - switched.at,
      libPauseMs: r.lib.pauseMs,
      libLost: r.libLost,
      rawLost: r.rawLost,
      libFailed: r.lib.failed,
      durableLost: r.durableLost,
    };
  });

/** One sentinel cut from every node, the other sentinels and the app, for 10 s: no failover, no pause. */
const loneSentinel: Scenario = (basePort, tag) =>
  withRig(basePort, tag, {}, async (rig) => {
    const { cluster } = rig;
    const master = await cluster.master();
    const lone = cluster.sentinelPorts[2];
    rig.startLoads();
    await sleep(2000);
    const sw = cluster.nextSwitch(10_000);
    await sw.ready;
    rig.cutBetween([rig.node(lone)], [...rig.allBut(lone), rig.app]);
    const switched = await sw.then(
      () => 1,
      () => 0,
    );
    rig.partition.healAll();
    const r = await rig.finish([]);
    return {
      failovers: switched,
      masterChanged: Number((await cluster.master()) !== master),
      libPauseMs: r.lib.pauseMs,
      libFailed: r.lib.failed,
      libLost: r.libLost,
    };
  });

/** The app cut from the master only, for 5 s: the sentinels see it fine, so no failover. */
const appMaster: Scenario = (basePort, tag) =>
  withRig(basePort, tag, {}, async (rig) => {
    const master = await rig.cluster.master();
    rig.startLoads();
    await sleep(2000);
    rig.partition.cut(rig.app, rig.node(master));
    await sleep(5000);
    rig.partition.healAll();
    const healAt = Date.now();
    const r = await rig.finish([]);
    return {
      libLost: r.libLost,
      libFailed: r.lib.failed,
      libFailedButApplied: r.libFailedButApplied,
      resumeAfterHealMs: (rig.libLoad.firstAckAfter(healAt) ?? Infinity) - healAt,
    };
  });

/** The master isolated for 1 s, less than down-after: healed before any failover. */
const healedEarly: Scenario = (basePort, tag) =>
  withRig(basePort, tag, {}, async (rig) => {
    const { cluster } = rig;
    const master = await cluster.master();
    rig.startLoads();
    await sleep(2000);
    const sw = cluster.nextSwitch(DOWN_AFTER_MS + 6000);
    await sw.ready;
    rig.cutBetween([rig.node(master)], rig.allBut(master));
    await sleep(Math.min(1000, DOWN_AFTER_MS / 2));
    rig.partition.healAll();
    const switched = await sw.then(
      () => 1,
      () => 0,
    );
    const r = await rig.finish([]);
    return {
      failovers: switched,
      libLost: r.libLost,
      rawLost: r.rawLost,
      libPauseMs: r.lib.pauseMs,
      libFailed: r.lib.failed,
    };
  });

export const SCENARIOS: Record<string, Scenario> = {
  'isolated-master': isolateMaster(false),
  minority: isolateMaster(true),
  'replica-isolated': replicaIsolated,
  switchover,
  'lone-sentinel': loneSentinel,
  'app-master': appMaster,
  'healed-early': healedEarly,
};
