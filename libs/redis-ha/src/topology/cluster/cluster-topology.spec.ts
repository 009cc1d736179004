import type { Cluster } from 'ioredis';
import { loadRedisHaConfig } from '../../config/load-config';
import { RedisHaEvents, type RedisHaEvent } from '../../events/redis-ha-events';
import { ClusterTopology } from './cluster-topology';

/** A topology and one of its (lazy, never connected) cluster clients, whose slot table the test writes. */
function setup() {
  const config = loadRedisHaConfig({ env: { REDIS_CLUSTER_NODES: '127.0.0.1:7000' } }).connection;
  const events = new RedisHaEvents();
  const seen: RedisHaEvent[] = [];
  events.events$.subscribe((event) => seen.push(event));
  const topology = new ClusterTopology(config, events);
  const cluster = topology.createClient('writer', {});
  const refresh = (ranges: Array<[number, number, ...string[]]>) => {
    const slots: string[][] = [];
    for (const [first, last, ...nodes] of ranges) for (let s = first; s <= last; s++) slots[s] = nodes;
    (cluster as { slots: string[][] }).slots = slots;
    cluster.emit('refresh');
  };
  return { topology, cluster: cluster as Cluster, refresh, seen };
}

describe('ClusterTopology', () => {
  it('announces a shard whose slots moved to another primary, once, with the slots', () => {
    const { refresh, seen, cluster } = setup();
    refresh([
      [0, 99, 'a:1', 'b:1'],
      [100, 199, 'c:1', 'd:1'],
    ]);
    expect(seen).toEqual([]); // the first table is learned, not announced
    refresh([
      [0, 99, 'b:1'],
      [100, 199, 'c:1', 'd:1'],
    ]);
    refresh([
      [0, 99, 'b:1'],
      [100, 199, 'c:1', 'd:1'],
    ]); // the same table again: nothing new
    expect(seen).toEqual([
      expect.objectContaining({
        type: 'master-changed',
        masterName: 'cluster',
        from: { host: 'a', port: 1 },
        to: { host: 'b', port: 1 },
        slots: [[0, 99]],
      }),
    ]);
    cluster.disconnect();
  });

  it('describes the shards of the last table learned', () => {
    const { topology, refresh, cluster } = setup();
    refresh([
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
    cluster.disconnect();
  });
});
