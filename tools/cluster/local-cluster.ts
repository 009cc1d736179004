import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import { backupNode, enableAofAfterRestore, type BackupResult } from './cluster-backup';
import { clientOptions, poll, portOpen, query, type Credentials } from './cluster-client';
import { MASTER_NAME } from './cluster-config';
import { layoutCluster, processesOf, type ClusterState, type LocalClusterOptions } from './cluster-layout';
import {
  isOurs,
  logTail,
  onProcessExit,
  signal,
  spawnServer,
  stopProcess,
  type ManagedProcess,
} from './cluster-process';
import { SentinelView, type Switch } from './cluster-sentinels';
import type { Endpoint } from './netns';
import { clusterStatus, type ClusterStatus } from './cluster-status';

export type { BackupResult } from './cluster-backup';
export type { ClusterState, LocalClusterOptions } from './cluster-layout';
export type { Switch } from './cluster-sentinels';
export type { ClusterStatus, NodeStatus } from './cluster-status';

/** A real 1 master + 2 replicas + 3 sentinels cluster on 127.0.0.1, from the committed `redis/` files. */
export class LocalCluster {
  readonly redisPorts: number[];
  readonly sentinelPorts: number[];
  private readonly sentinels: SentinelView;
  private unregisterExit?: () => void;

  private constructor(
    private readonly st: ClusterState,
    private readonly procs: ManagedProcess[],
  ) {
    this.redisPorts = procs.filter((p) => p.kind === 'redis').map((p) => p.port);
    this.sentinelPorts = procs.filter((p) => p.kind === 'sentinel').map((p) => p.port);
    this.sentinels = new SentinelView(this.sentinelPorts, this.adminCredentials(), (port) =>
      this.isRunning(port),
    );
    if (!st.detached) this.unregisterExit = onProcessExit(() => this.killSync());
  }

  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const { state, procs } = layoutCluster(options);
    const { basePort, detached } = state;
    const cluster = new LocalCluster(state, procs);
    try {
      await cluster.ensurePortsFree();
      // The master first, so the replicas' first sync attempt finds it (a failed attempt costs 1 s).
      spawnServer(procs[0], detached);
      await cluster.waitForPing(procs[0], 5_000);
      procs.slice(1).forEach((proc) => spawnServer(proc, detached));
      const exited = procs.map((p) =>
        p.exited!.then(() => Promise.reject(new Error(`${p.kind} ${p.port} exited`))),
      );
      await Promise.race([cluster.waitUntilHealthy(options.startTimeoutMs ?? 30_000), ...exited]);
      if (options.restoreFrom) await enableAofAfterRestore(basePort, cluster.adminCredentials());
    } catch (err) {
      const logs = procs.map((p) => `--- ${p.kind} ${p.port} (${p.logPath})\n${logTail(p, 8)}`).join('\n');
      await cluster.stop();
      throw new Error(
        `local cluster on ${basePort}-${basePort + 5} did not start: ${(err as Error).message}\n${logs}`,
      );
    }
    return cluster;
  }

  /** Takes over a cluster another process started (the CLI), from its `state()`. */
  static attach(state: ClusterState): LocalCluster {
    return new LocalCluster(state, processesOf(state));
  }

  state(): ClusterState {
    return {
      ...this.st,
      processes: this.procs.map(({ kind, port, pid, dir, host, uid }) => ({
        kind,
        port,
        pid,
        dir,
        host,
        uid,
      })),
    };
  }

  get dir(): string {
    return this.st.dir;
  }

  /** The library's environment for the ACL `app` user (set REDIS_KEY_PREFIX=app: yourself when needed). */
  env(): Record<string, string> {
    return {
      REDIS_MODE: 'sentinel',
      REDIS_SENTINEL_HOSTS: this.sentinelPorts.map((port) => `${this.host(port)}:${port}`).join(','),
      REDIS_MASTER_NAME: MASTER_NAME,
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: this.st.passwords.app,
      REDIS_SENTINEL_USERNAME: 'app',
      REDIS_SENTINEL_PASSWORD: this.st.passwords.app,
    };
  }

  /** The address the process on `port` listens on and connects out from (see `partitionable`). */
  host(port: number): string {
    return this.proc(port).host;
  }

  /** The process on `port` as one side of a link `Partition.cut()` can part. */
  endpoint(port: number): Endpoint {
    const { kind, host, uid } = this.proc(port);
    if (uid === undefined) throw new Error('start the cluster with { partitionable: true } to cut its links');
    return { address: host, uid, label: `${kind} ${port}` };
  }

  adminCredentials(): Credentials {
    return { username: 'admin', password: this.st.passwords.admin };
  }

  appCredentials(): Credentials {
    return { username: 'app', password: this.st.passwords.app };
  }

  /** A new ioredis client to `port` (Redis or sentinel) as the ACL admin user; the caller closes it. */
  admin(port: number): Redis {
    return new Redis({ ...clientOptions(port, this.adminCredentials()), lazyConnect: false });
  }

  /** Port of the current master according to the sentinels (the highest config epoch wins). */
  master(): Promise<number> {
    return this.sentinels.master();
  }

  async killMaster(): Promise<{ port: number; at: number }> {
    const port = await this.master();
    const at = Date.now();
    await stopProcess(this.proc(port), 'SIGKILL');
    return { port, at };
  }

  async pause(port: number): Promise<void> {
    if (!signal(this.proc(port), 'SIGSTOP')) throw new Error(`port ${port} is not running`);
  }

  async resume(port: number): Promise<void> {
    if (!signal(this.proc(port), 'SIGCONT')) throw new Error(`port ${port} is not running`);
  }

  /** SIGTERM by default: Redis saves and exits cleanly; pass SIGKILL for a crash. Keeps the data dir. */
  async stopNode(port: number, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stopProcess(this.proc(port), sig);
  }

  /** Starts a stopped node from its (possibly Sentinel-rewritten) config; resolves once its data is loaded. */
  async startNode(port: number, timeoutMs = 15_000): Promise<void> {
    const proc = this.proc(port);
    if (isOurs(proc)) throw new Error(`port ${port} is already running (pid ${proc.pid})`);
    spawnServer(proc, this.st.detached);
    await this.waitForPing(proc, timeoutMs);
  }

  stopSentinel(index: number, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.stopNode(this.sentinelPorts[index], sig);
  }

  startSentinel(index: number, timeoutMs?: number): Promise<void> {
    return this.startNode(this.sentinelPorts[index], timeoutMs);
  }

  /** `SENTINEL FAILOVER mymaster` on the first running sentinel; `at` is just before the command. */
  failover(): Promise<{ at: number }> {
    return this.sentinels.failover();
  }

  /** The next `+switch-master` seen on any running sentinel; `await sw.ready` before causing it. */
  nextSwitch(timeoutMs?: number): Promise<Switch> & { ready: Promise<void> } {
    return this.sentinels.nextSwitch(timeoutMs);
  }

  /** Until every running sentinel names the same master, other than `oldPort`. */
  waitForSwitch(oldPort: number, timeoutMs = 30_000): Promise<{ port: number; at: number }> {
    return this.sentinels.waitForSwitch(oldPort, timeoutMs);
  }

  /** 'slave' means a replica whose link to its master is up (`ROLE` says connected). */
  waitForRole(port: number, role: 'master' | 'slave', timeoutMs = 30_000): Promise<void> {
    return poll(
      `port ${port} to be ${role}`,
      async () => {
        const reply = await query<string[]>(port, this.adminCredentials(), 'ROLE');
        return reply[0] === role && (role === 'master' || reply[3] === 'connected');
      },
      timeoutMs,
    ).then(() => undefined);
  }

  /**
   * Until every sentinel names one master, sees 2 replicas and 2 other sentinels and CKQUORUM is OK, and both
   * replicas of that master have their link up.
   */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<number> {
    const master = await this.sentinels.waitForAgreement(timeoutMs);
    const replicas = this.redisPorts.filter((port) => port !== master);
    await Promise.all(replicas.map((port) => this.waitForRole(port, 'slave', timeoutMs)));
    // The master's own view lags the replicas' by a moment: until it lists both as online, WAIT 2 confirms 1.
    await poll(
      'the master to list both replicas online',
      async () => {
        const info = await query<string>(master, this.adminCredentials(), 'INFO', 'replication');
        return (info.match(/^slave\d+:.*state=online/gm) ?? []).length >= replicas.length || undefined;
      },
      timeoutMs,
    );
    return master;
  }

  /** BGSAVE on the current master and a copy of its RDB to `file` (restore with `start({ restoreFrom })`). */
  async backup(file: string): Promise<BackupResult> {
    const port = await this.master();
    return backupNode(port, this.proc(port).dir, this.adminCredentials(), file);
  }

  status(): Promise<ClusterStatus> {
    return clusterStatus(this.procs, this.adminCredentials(), (port) => this.isRunning(port));
  }

  isRunning(port: number): boolean {
    return isOurs(this.proc(port));
  }

  pid(port: number): number | undefined {
    return this.isRunning(port) ? this.proc(port).pid : undefined;
  }

  /** Kills exactly the processes this cluster started, waits for them to exit, removes its temp dir. */
  async stop(): Promise<void> {
    this.sentinels.close();
    await Promise.all(this.procs.map((proc) => stopProcess(proc, 'SIGKILL')));
    this.unregisterExit?.();
    if (this.st.ownsDir)
      rmSync(this.st.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }

  private killSync(): void {
    for (const proc of this.procs) signal(proc, 'SIGKILL');
    if (this.st.ownsDir)
      rmSync(this.st.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }

  private proc(port: number): ManagedProcess {
    const proc = this.procs.find((p) => p.port === port);
    if (!proc)
      throw new Error(`port ${port} is not part of this cluster (${this.redisPorts}, ${this.sentinelPorts})`);
    return proc;
  }

  private async waitForPing(proc: ManagedProcess, timeoutMs: number): Promise<void> {
    await poll(
      `${proc.kind} on port ${proc.port} to answer`,
      async () => {
        if (!isOurs(proc)) throw new Error(`it exited: ${logTail(proc, 3)}`);
        if (proc.kind === 'sentinel')
          return (await query(proc.port, this.adminCredentials(), 'PING')) === 'PONG';
        const info = await query<string>(proc.port, this.adminCredentials(), 'INFO', 'persistence');
        return /^loading:0/m.test(info);
      },
      timeoutMs,
      10,
    );
  }

  private async ensurePortsFree(): Promise<void> {
    const open = await Promise.all(this.procs.map((p) => portOpen(p.port)));
    const taken = this.procs.filter((_, i) => open[i]).map((p) => p.port);
    if (taken.length > 0) {
      throw new Error(
        `ports ${taken.join(', ')} are in use (a cluster left running? \`npm run cluster:down\`)`,
      );
    }
  }
}
