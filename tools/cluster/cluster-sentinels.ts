import Redis from 'ioredis';
import { clientOptions, poll, query, toRecord, type Credentials } from './cluster-client';
import { MASTER_NAME } from './cluster-config';

/** A `+switch-master` as one sentinel published it. */
export interface Switch {
  /** Date.now() when this process received the message. */
  at: number;
  from: number;
  to: number;
  /** Port of the sentinel that published it first. */
  sentinel: number;
}

/** What the launcher asks the sentinels: who is master, did they switch, is the quorum there. */
export class SentinelView {
  private readonly watchers = new Set<() => void>();

  constructor(
    private readonly ports: number[],
    private readonly creds: Credentials,
    private readonly isRunning: (port: number) => boolean,
  ) {}

  private running(): number[] {
    return this.ports.filter((port) => this.isRunning(port));
  }

  /** `SENTINEL MASTER` of every running sentinel that answers. */
  async views(): Promise<{ sentinel: number; master: Record<string, string> }[]> {
    const replies = await Promise.allSettled(
      this.running().map(async (sentinel) => ({
        sentinel,
        master: toRecord(await query(sentinel, this.creds, 'SENTINEL', 'MASTER', MASTER_NAME)),
      })),
    );
    return replies.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  /**
   * The master named by the sentinels with the highest config epoch (the current truth when they disagree);
   * among those, the address most of them name. GET-MASTER-ADDR-BY-NAME rather than SENTINEL MASTER's
   * address: a failover leader bumps its epoch at the promotion but keeps the old address in SENTINEL MASTER
   * until the failover ends (~1 s later), while GET-MASTER-ADDR-BY-NAME already names the promoted replica.
   */
  async master(): Promise<number> {
    const views = await this.views();
    const named = await Promise.allSettled(
      views.map((v) =>
        query<string[] | null>(v.sentinel, this.creds, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME),
      ),
    );
    const answers = views.flatMap((v, i) => {
      const r = named[i];
      return r.status === 'fulfilled' && r.value
        ? [{ epoch: Number(v.master['config-epoch']), port: Number(r.value[1]) }]
        : [];
    });
    if (answers.length === 0)
      throw new Error('no sentinel answered SENTINEL MASTER / GET-MASTER-ADDR-BY-NAME');
    const top = Math.max(...answers.map((a) => a.epoch));
    const votes = new Map<number, number>();
    for (const a of answers.filter((x) => x.epoch === top)) votes.set(a.port, (votes.get(a.port) ?? 0) + 1);
    return [...votes.entries()].sort((x, y) => y[1] - x[1])[0][0];
  }

  async failover(): Promise<{ at: number }> {
    const sentinel = this.running()[0];
    if (sentinel === undefined) throw new Error('no sentinel is running');
    const at = Date.now();
    await query(sentinel, this.creds, 'SENTINEL', 'FAILOVER', MASTER_NAME);
    return { at };
  }

  /** Every running sentinel names `port` (when given) or one common master; returns it. */
  private async agreed(): Promise<number | undefined> {
    const running = this.running();
    const addrs = await Promise.all(
      running.map((s) =>
        query<string[] | null>(s, this.creds, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME),
      ),
    );
    const ports = new Set(addrs.map((addr) => (addr ? Number(addr[1]) : NaN)));
    return running.length > 0 && ports.size === 1 && !ports.has(NaN) ? [...ports][0] : undefined;
  }

  async waitForSwitch(oldPort: number, timeoutMs: number): Promise<{ port: number; at: number }> {
    const port = await poll(
      `the sentinels to agree on a master other than ${oldPort}`,
      async () => {
        const agreed = await this.agreed();
        return agreed !== undefined && agreed !== oldPort ? agreed : undefined;
      },
      timeoutMs,
    );
    return { port, at: Date.now() };
  }

  /** Every running sentinel: same master, not down, 2 replicas, 2 other sentinels, CKQUORUM OK. */
  async waitForAgreement(timeoutMs: number): Promise<number> {
    return poll(
      'every sentinel to see the master, 2 replicas, 2 other sentinels and a quorum',
      async () => {
        const master = await this.agreed();
        if (master === undefined) return undefined;
        for (const sentinel of this.running()) {
          const view = toRecord(await query(sentinel, this.creds, 'SENTINEL', 'MASTER', MASTER_NAME));
          if (view.flags !== 'master' || view['num-slaves'] !== '2' || view['num-other-sentinels'] !== '2')
            return undefined;
          const replicas = (
            await query<unknown[]>(sentinel, this.creds, 'SENTINEL', 'REPLICAS', MASTER_NAME)
          ).map(toRecord);
          // s_down or disconnected; or a rejoined old master the sentinel has not yet seen converted (a
          // SENTINEL FAILOVER then aborts with -failover-abort-slave-timeout).
          if (replicas.some((r) => r.flags !== 'slave' || r['role-reported'] !== 'slave')) return undefined;
          await query(sentinel, this.creds, 'SENTINEL', 'CKQUORUM', MASTER_NAME);
        }
        return master;
      },
      timeoutMs,
      25,
    );
  }

  nextSwitch(timeoutMs = 120_000): Promise<Switch> & { ready: Promise<void> } {
    const clients = this.running().map((port) => {
      const client = new Redis({
        ...clientOptions(port, this.creds),
        lazyConnect: false,
        maxRetriesPerRequest: null,
      });
      client.on('error', () => undefined); // a sentinel stopped by the test; the others still report
      return { port, client };
    });
    let timer: NodeJS.Timeout | undefined;
    const close = () => {
      clearTimeout(timer);
      this.watchers.delete(close);
      clients.forEach(({ client }) => client.disconnect());
    };
    this.watchers.add(close);
    const switched = new Promise<Switch>((resolve, reject) => {
      for (const { port, client } of clients) {
        client.on('message', (_channel: string, message: string) => {
          const [name, , from, , to] = message.split(' ');
          if (name !== MASTER_NAME) return;
          close();
          resolve({ at: Date.now(), from: Number(from), to: Number(to), sentinel: port });
        });
      }
      timer = setTimeout(() => {
        close();
        reject(new Error(`no +switch-master within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
    });
    switched.catch(() => undefined); // a caller that never awaits must not crash the run
    const ready = Promise.all(clients.map(({ client }) => client.subscribe('+switch-master'))).then(
      () => undefined,
    );
    ready.catch(() => undefined);
    return Object.assign(switched, { ready });
  }

  close(): void {
    for (const close of [...this.watchers]) close();
  }
}
