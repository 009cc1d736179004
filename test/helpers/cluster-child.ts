/**
 * A process that starts a LocalCluster and then ends the way argv[3] says, for the launcher's own test
 * (test/cluster-cli.e2e-spec.ts): its processes must be gone however this process ends.
 *   node --import tsx test/helpers/cluster-child.ts <basePort> wait|crash|exit
 * Prints one JSON line {"pids":[...]} once the cluster is up.
 */
import { LocalCluster } from '../../tools/cluster/local-cluster';

async function main(): Promise<void> {
  const [basePort, how] = process.argv.slice(2);
  const cluster = await LocalCluster.start({ basePort: Number(basePort) });
  const pids = [...cluster.redisPorts, ...cluster.sentinelPorts].map((port) => cluster.pid(port));
  console.log(JSON.stringify({ pids, dir: cluster.dir }));
  if (how === 'crash') setTimeout(() => Promise.reject(new Error('crash on purpose')), 50);
  else if (how === 'exit') setTimeout(() => process.exit(3), 50);
  else setInterval(() => undefined, 1_000); // until a signal
}

void main();
