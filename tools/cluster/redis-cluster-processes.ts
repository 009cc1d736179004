import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import { clientOptions, poll, portOpen, query, type Credentials } from './cluster-client';
import {
  isOurs,
  logTail,
  onProcessExit,
  signal,
  spawnServer,
  stopProcess,
  waitForExit,
  type ManagedProcess,
} from './cluster-process';
import { address, checkSettled } from './redis-cluster-admin';
import { busPortOf, layoutNode, type RedisClusterState } from './redis-cluster-layout';

/**
 * The processes of a local Redis Cluster, by pid: spawn, restart, stop, and kill them if the Node process that
 * started them exits without stop(); and the waits for them to form a settled cluster. LocalRedisCluster
 * (redis-cluster.ts) adds the topology, the faults and resharding on top.
 */
export class RedisClusterProcesses {
  protected readonly paused = new Set<number>();
  /** Started by addNodes() but not yet members: their view (cluster_state:fail, alone) must not be waited on. */
  protected readonly joining = new Set<number>();
  private unregisterExit?: () => void;

  protected constructor(
    protected readonly st: RedisClusterState,
    protected readonly procs: ManagedProcess[],
  ) {
    if (!st.detached) this.unregisterExit = onProcessExit(() => this.killSync());
  }

  state(): RedisClusterState {
    return { ...this.st, nodes: this.procs.map(({ port, pid, dir }) => ({ port, pid, dir })) };
  }

  get dir(): string {
    return this.st.dir;
  }

  /** Every node's port, primaries and replicas (addShard() adds its nodes). */
  get ports(): number[] {
    return this.procs.map((p) => p.port);
  }

  /** The library's environment for the ACL `app` user (same passwords as LocalCluster.env()). */
  env(): Record<string, string> {
    return {
      REDIS_MODE: 'cluster',
      REDIS_CLUSTER_NODES: this.ports.map(address).join(','),
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: this.st.passwords.app,
      ...(this.st.tls && {
        REDIS_TLS: 'true',
        REDIS_TLS_CA_FILE: this.st.tls.ca,
        REDIS_TLS_CERT_FILE: this.st.tls.cert,
        REDIS_TLS_KEY_FILE: this.st.tls.key,
      }),
    };
  }

  adminCredentials(): Credentials {
    return { username: 'admin', password: this.st.passwords.admin, tls: this.st.tls };
  }

  appCredentials(): Credentials {
    return { username: 'app', password: this.st.passwords.app, tls: this.st.tls };
  }

  /** A new ioredis client (not cluster-aware) to one node as the ACL admin user; the caller closes it. */
  admin(port: number): Redis {
    return new Redis({ ...clientOptions(port, this.adminCredentials()), lazyConnect: false });
  }

  isRunning(port: number): boolean {
    return isOurs(this.proc(port));
  }

  pid(port: number): number | undefined {
    return this.isRunning(port) ? this.proc(port).pid : undefined;
  }

  /** Starts a stopped node from its dir: its nodes.conf says who it was, gossip says what it is now. */
  async restart(port: number, timeoutMs = 15_000): Promise<void> {
    const proc = this.proc(port);
    if (isOurs(proc)) throw new Error(`port ${port} is already running (pid ${proc.pid})`);
    spawnServer(proc, this.st.detached);
    await this.waitForLoaded(proc, timeoutMs);
  }

  async resume(port: number): Promise<void> {
    if (!signal(this.proc(port), 'SIGCONT')) throw new Error(`port ${port} is not running`);
    this.paused.delete(port);
  }

  /** SIGTERM (Redis flushes its AOF and nodes.conf), SIGKILL after 5 s; then removes its temp dir. */
  async stop(): Promise<void> {
    await Promise.all(this.procs.map((proc) => this.terminate(proc)));
    this.unregisterExit?.();
    if (this.st.ownsDir)
      rmSync(this.st.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }

  /** 'slave' means a replica whose link to its primary is up. */
  async waitForRole(port: number, role: 'master' | 'slave', timeoutMs = 30_000): Promise<void> {
    const probe = async () => {
      const reply = await query<string[]>(port, this.adminCredentials(), 'ROLE');
      return reply[0] === role && (role === 'master' || reply[3] === 'connected');
    };
    await poll(`port ${port} to be ${role}`, probe, timeoutMs);
  }

  /** Every live node says cluster_state:ok, sees the others healthy and has the same full slot map. */
  async waitForClusterOk(timeoutMs = 30_000): Promise<void> {
    const live = this.livePorts();
    await poll('the cluster to settle', () => checkSettled(live, this.adminCredentials()), timeoutMs, 50);
  }

  /** waitForClusterOk() and every primary has all its replicas online (min-replicas-to-write 1 needs one). */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    const [live, creds, replicas] = [this.livePorts(), this.adminCredentials(), this.st.replicasPerPrimary];
    await poll('every shard to be healthy', () => checkSettled(live, creds, replicas), timeoutMs, 50);
  }

  /** The running nodes that are not paused: those a query can expect an answer from. */
  protected livePorts(): number[] {
    return this.ports.filter(
      (port) => this.isRunning(port) && !this.paused.has(port) && !this.joining.has(port),
    );
  }

  protected proc(port: number): ManagedProcess {
    const proc = this.procs.find((p) => p.port === port);
    if (!proc) throw new Error(`port ${port} is not part of this cluster (${this.ports.join(', ')})`);
    return proc;
  }

  /** Lays out, checks and starts `ports` as new nodes of this cluster (not yet in it: see addShard()). */
  protected async addNodes(ports: number[]): Promise<void> {
    const procs = ports.map((port) => layoutNode(this.st, port));
    ports.forEach((port) => this.joining.add(port));
    this.procs.push(...procs);
    await this.launch(procs);
  }

  /** Checks the ports (and their bus ports) are free, spawns, waits until each has loaded its data. */
  protected async launch(procs: ManagedProcess[]): Promise<void> {
    const wanted = procs.flatMap((p) => [p.port, busPortOf(p.port)]);
    const open = await Promise.all(wanted.map((port) => portOpen(port)));
    const taken = wanted.filter((_, i) => open[i]);
    if (taken.length > 0) throw new Error(`ports ${taken.join(', ')} are in use (a cluster left running?)`);
    procs.forEach((proc) => spawnServer(proc, this.st.detached));
    await Promise.all(procs.map((proc) => this.waitForLoaded(proc, 15_000)));
  }

  protected logTails(lines = 8): string {
    return this.procs.map((p) => `--- redis ${p.port} (${p.logPath})\n${logTail(p, lines)}`).join('\n');
  }

  private waitForLoaded(proc: ManagedProcess, timeoutMs: number): Promise<boolean> {
    const probe = async () => {
      if (!isOurs(proc)) throw new Error(`${proc.port} exited: ${logTail(proc, 3)}`);
      const info = await query<string>(proc.port, this.adminCredentials(), 'INFO', 'persistence');
      return /^loading:0/m.test(info);
    };
    return poll(`redis on port ${proc.port} to answer`, probe, timeoutMs, 10);
  }

  private async terminate(proc: ManagedProcess): Promise<void> {
    if (!signal(proc, 'SIGTERM')) return;
    signal(proc, 'SIGCONT'); // a paused node acts on SIGTERM only once continued
    await waitForExit(proc, 5_000).catch(() => stopProcess(proc, 'SIGKILL'));
  }

  private killSync(): void {
    for (const proc of this.procs) signal(proc, 'SIGKILL');
    if (this.st.ownsDir)
      rmSync(this.st.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
