import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Network partitions for the local cluster, on Linux as root: every process of the cluster (and the app under
 * test) runs in a private network namespace this tool creates (`unshare -n`), where each Redis node and
 * sentinel has its own 127.0.0.x and its own uid, and a link between two of them is cut with policy-routing
 * `blackhole` rules. Nothing outside that namespace is touched, and it disappears with its last process.
 *
 * Why rules by uid as well as by address: Redis retries a failed replication connect without its
 * `bind-source-addr` (from 127.0.0.1), so an address-only cut leaks after ~61 s (`repl-timeout`).
 */

/** Set in the environment of a process started by `privateNetworkCommand()`. */
const MARK = 'REDIS_HA_PRIVATE_NETWORK';

/** One side of a link: the address a process uses and the uid it runs as. */
export interface Endpoint {
  address: string;
  uid: number;
  /** For messages: `redis 27701`, `sentinel 27704`, `app`. */
  label: string;
}

/** The process under test (the app, its raw client twin, the bench): 127.0.0.1, this process's uid. */
export function appEndpoint(): Endpoint {
  return { address: '127.0.0.1', uid: process.getuid?.() ?? 0, label: 'app' };
}

/** True inside a namespace set up by `privateNetworkCommand()`. */
export function inPrivateNetwork(): boolean {
  return process.env[MARK] === '1';
}

/**
 * Why this machine cannot run partition scenarios, or undefined when it can: Linux, root (CAP_SYS_ADMIN and
 * CAP_NET_ADMIN), `unshare` and `ip` (iproute2) on PATH, and a namespace where policy rules by uid work.
 */
export function partitionUnsupported(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces and ip rules need root';
  const probe = spawnSync(
    'unshare',
    ['-n', 'sh', '-c', `${SETUP} && ip rule add pref 10 uidrange 1-1 to 127.0.0.2 blackhole`],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (probe.error)
    return `\`unshare\` could not run (${probe.error.message}): install util-linux and iproute2`;
  if (probe.status !== 0) return `a private network namespace could not be set up: ${probe.stderr.trim()}`;
  return undefined;
}

/**
 * Loopback up, and the local table moved behind our rules (its default rule, pref 0, would match first: a
 * blackhole at pref 10 is only consulted once the local lookup is at pref 100).
 */
const SETUP = 'ip link set lo up && ip rule add pref 100 lookup local && ip rule del pref 0';

/** `[command, ...args]` that runs `argv` in a new private network namespace (needs root). */
export function privateNetworkCommand(argv: string[]): string[] {
  return ['unshare', '-n', 'sh', '-c', `${SETUP} && exec env ${MARK}=1 "$@"`, 'sh', ...argv];
}

/** The blackhole rules cutting `a` from `b` both ways: by address, and by uid for Redis' unbound retries. */
function rules(a: Endpoint, b: Endpoint): string[][] {
  const byAddress = [
    ['from', a.address, 'to', b.address],
    ['from', b.address, 'to', a.address],
  ];
  // Only between nodes: the app's uid is the launcher's own (root), and a node's packets to 127.0.0.1 include
  // its answers to the launcher, which watches every node over 127.0.0.1 whatever the partition.
  const nodes = a.address !== '127.0.0.1' && b.address !== '127.0.0.1';
  const byUid = nodes
    ? [
        ['uidrange', `${a.uid}-${a.uid}`, 'to', b.address],
        ['uidrange', `${b.uid}-${b.uid}`, 'to', a.address],
      ]
    : [];
  return [...byAddress, ...byUid];
}

/** The links currently cut in this namespace, so they can be healed one by one or all at once. */
export class Partition {
  private readonly cuts = new Map<string, string[][]>();

  constructor() {
    if (!inPrivateNetwork()) {
      throw new Error(
        'partitions are only made inside a private network namespace started by privateNetworkCommand() ' +
          "(never in the machine's own network)",
      );
    }
  }

  cut(a: Endpoint, b: Endpoint): void {
    this.cutAll([[a, b]]);
  }

  /**
   * Cuts every pair at once (one `ip -batch`): rule by rule, one replica would be cut ~10 ms before the other,
   * long enough for a write to reach only the one the sentinels do not promote.
   */
  cutAll(pairs: Array<[Endpoint, Endpoint]>): void {
    const added = pairs.filter(([a, b]) => !this.cuts.has(linkKey(a, b)));
    ip(
      'add',
      added.flatMap(([a, b]) => rules(a, b)),
    );
    for (const [a, b] of added) this.cuts.set(linkKey(a, b), rules(a, b));
  }

  heal(a: Endpoint, b: Endpoint): void {
    const key = linkKey(a, b);
    ip('del', this.cuts.get(key) ?? []);
    this.cuts.delete(key);
  }

  /** Heals every cut link at once. */
  healAll(): void {
    ip('del', [...this.cuts.values()].flat());
    this.cuts.clear();
  }

  /** The cut links, as `a <-> b` labels. */
  describe(): string[] {
    return [...this.cuts.keys()];
  }
}

function linkKey(a: Endpoint, b: Endpoint): string {
  return [a.label, b.label].sort().join(' <-> ');
}

function ip(action: 'add' | 'del', rules: string[][]): void {
  if (rules.length === 0) return;
  const batch = rules
    .map((rule) => ['rule', action, 'pref', '10', ...rule, 'blackhole'].join(' '))
    .join('\n');
  execFileSync('ip', ['-batch', '-'], { input: `${batch}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
}
