import type { Cluster } from 'ioredis';
import { loadRedisHaConfig } from '../../config/load-config';
import { RedisHaEvents, type RedisHaEvent } from '../../events/redis-ha-events';
import { ClusterTopology } from './cluster-topology';
import type { SlotRange } from './slot-watch';

/** A topology and one of its (lazy, never connected) cluster clients; the test plays the slot watch's tables. */
function setup() {
  const config = loadRedisHaConfig({ env: { REDIS_CLUSTER_NODES: '127.0.0.1:7000' } }).connection;
  const events = new RedisHaEvents();
  const seen: RedisHaEvent[] = [];
  events.events$.subscribe((event) => seen.push(event));
  const topology = new ClusterTopology(config, events);
  const cluster = topology.createClient('writer', {});
  const refreshes = jest.spyOn(cluster, 'refreshSlotsCache').mockImplementation(() => undefined);
  Object.defineProperty(cluster, 'status', { value: 'ready' });
  const table = (ranges: Array<[number, number, ...string[]]>) =>
    (topology as unknown as { learn(r: SlotRange[]): void }).learn(
      ranges.map(([first, last, ...nodes]) => ({ first, last, nodes })),
    );
  return { topology, cluster: cluster as Cluster, table, seen, refreshes };
}

describe('ClusterTopology', () => {
  it('announces a shard whose slots moved to another primary, with the slots, and has every client refresh', () => {
    const { table, seen, refreshes } = setup();
    table([
      [0, 99, 'a:1', 'b:1'],
      [100, 199, 'c:1', 'd:1'],
    ]);
    expect(seen).toEqual([]); // the first table is learned, not announced
    expect(refreshes).not.toHaveBeenCalled();
    table([
      [0, 99, 'b:1'],
      [100, 199, 'c:1', 'd:1'],
    ]);
    expect(seen).toEqual([
      expect.objectContaining({
        type: 'master-changed',
        masterName: 'cluster',
        from: { host: 'a', port: 1 },
        to: { host: 'b', port: 1 },
        slots: [[0, 99]],
      }),
    ]);
    expect(refreshes).toHaveBeenCalledTimes(1);
    table([
      [0, 99, 'b:1', 'a:1'],
      [100, 199, 'c:1', 'd:1'],
    ]); // a replica came back: no primary moved, the clients still refresh (their replica lists)
    expect(seen).toHaveLength(1);
    expect(refreshes).toHaveBeenCalledTimes(2);
  });

  it('describes the shards of the last table learned', () => {
    const { topology, table } = setup();
    table([
      [0, 9, 'a:1', 'b:1'],
      [10, 19, 'c:1'],
    ]);
    expect(topology.describe()).toEqual({
      kind: 'cluster',
      shards: [
        { primary: { host: 'a', port: 1 }, replicas: [{ host: 'b', port: 1 }], slots: [[0, 9]] },
        { primary: { host: 'c', port: 1 }, replicas: [], slots: [[10, 19]] },
      ],
    });
  });
});
