import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { poll, query } from '../tools/cluster/cluster-client';
import {
  ACL_USERS,
  devPassword,
  passwordVariable,
  readCommitted,
  REDIS_CONFIG_DIR,
  sha256,
} from '../tools/cluster/cluster-config';

/**
 * docker-compose.redis-ha.yml must validate and agree with redis/ (there is no Docker engine here, so the
 * containers' entrypoint, redis/render-config.sh, is run directly against real redis-server processes).
 */
jest.setTimeout(60_000);

const ROOT = join(__dirname, '..');
const COMPOSE_FILE = 'docker-compose.redis-ha.yml';
const run = promisify(execFile);

interface Service {
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: { target: number; published: number | string; host_ip?: string }[] | string[];
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[] | string[];
  healthcheck?: { test: string[] };
  restart?: string;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

/** `directive args...` lines of a Redis config, comments and blanks dropped. */
function directives(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(/\s+/));
}
const first = (text: string, ...key: string[]) =>
  directives(text)
    .find((d) => key.every((k, i) => d[i] === k))
    ?.slice(key.length);
const users = (text: string) =>
  directives(text)
    .filter((d) => d[0] === 'user')
    .map((d) => d[1]);

/** Published ports as [host_ip, published, target], whatever syntax docker-compose printed. */
function ports(service: Service): [string, number, number][] {
  return (service.ports ?? []).map((p) => {
    if (typeof p !== 'string') return [p.host_ip ?? '0.0.0.0', Number(p.published), Number(p.target)];
    const [ip, published, target] = p.replace(/\/tcp$/, '').split(':');
    return [ip, Number(published), Number(target)];
  });
}
function mounts(service: Service): { source: string; target: string; readOnly: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source, target: v.target, readOnly: !!v.read_only };
    const [source, target, mode] = v.split(':');
    return { source, target, readOnly: mode === 'ro' };
  });
}

describe('docker-compose.redis-ha.yml', () => {
  let compose: Compose;
  const master = readCommitted('redis-master.conf');
  const replica = readCommitted('redis-replica.conf');
  const sentinel = readCommitted('sentinel.conf');
  const acl = readCommitted('users.acl');
  const composeText = readFileSync(join(ROOT, COMPOSE_FILE), 'utf8');

  beforeAll(async () => {
    const { stdout } = await run('docker-compose', ['-f', COMPOSE_FILE, 'config'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
    });
    compose = load(stdout) as Compose;
  });

  const clusterNodes = [1, 2, 3, 4, 5, 6].map((n) => `redis-cluster-${n}`);

  it('validates with `docker-compose config`, also with the monitoring and cluster profiles', async () => {
    for (const name of ['monitoring', 'cluster']) {
      const profile = await run(
        'docker-compose',
        ['-f', COMPOSE_FILE, '--profile', name, 'config', '--services'],
        {
          cwd: ROOT,
        },
      );
      // docker-compose 1.x lists every service whatever the profile; `profiles` below says what starts
      expect(profile.stdout.split('\n').filter(Boolean).sort()).toEqual(
        [
          ...['redis-1', 'redis-2', 'redis-3', 'sentinel-1', 'sentinel-2', 'sentinel-3'],
          ...['redis-exporter-1', 'redis-exporter-2', 'redis-exporter-3'],
          ...['sentinel-exporter-1', 'sentinel-exporter-2', 'sentinel-exporter-3', 'prometheus', 'grafana'],
          ...[...clusterNodes, 'redis-cluster-create', 'sample-cluster'],
        ].sort(),
      );
    }
    const monitoring = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('monitoring'));
    expect(monitoring).toHaveLength(8);
  });

  it('starts only the Sentinel topology by default: the cluster services need `--profile cluster`', () => {
    const byDefault = Object.keys(compose.services).filter((name) => !compose.services[name].profiles);
    expect(byDefault.sort()).toEqual([...redisServices, ...sentinelServices].sort());
    const cluster = Object.keys(compose.services).filter((n) =>
      compose.services[n].profiles?.includes('cluster'),
    );
    expect(cluster.sort()).toEqual([...clusterNodes, 'redis-cluster-create', 'sample-cluster'].sort());
    for (const name of cluster) expect(compose.services[name].profiles).toEqual(['cluster']);
    for (const name of byDefault) {
      const deps = compose.services[name].depends_on ?? [];
      for (const dep of Array.isArray(deps) ? deps : Object.keys(deps)) expect(byDefault).toContain(dep);
    }
  });

  it('runs 6 Redis Cluster nodes rendered from redis-cluster.conf (cluster-enabled, node timeout 2000)', async () => {
    const conf = readCommitted('redis-cluster.conf');
    expect(first(conf, 'cluster-enabled')).toEqual(['yes']);
    expect(first(conf, 'cluster-node-timeout')).toEqual(['2000']);
    expect(first(conf, 'cluster-require-full-coverage')).toEqual(['no']);
    const dir = mkdtempSync(join(tmpdir(), 'compose-cluster-'));
    try {
      for (const name of clusterNodes) {
        const node = compose.services[name];
        expect(node.entrypoint).toEqual(['sh', '/usr/local/etc/redis-ha/render-config.sh']);
        expect(node.command).toEqual(['cluster', name]); // announces its service name
        expect(mounts(node)).toContainEqual({
          source: join(ROOT, 'redis'),
          target: '/usr/local/etc/redis-ha',
          readOnly: true,
        });
        const data = mounts(node).find((v) => v.target === first(conf, 'dir')![0]);
        expect(data && compose.volumes[data.source]).toBeDefined();
        expect(ports(node).map(([, , target]) => target)).toEqual([Number(first(conf, 'port')![0])]);
        expect(Object.keys(node.environment!).sort()).toEqual(ACL_USERS.map(passwordVariable).sort());
        // admin, with the password kept out of redis-cli's command line
        expect(node.healthcheck?.test.join(' ')).toMatch(
          /REDISCLI_AUTH="\$+REDIS_ACL_ADMIN_PASSWORD" redis-cli --user admin ping/,
        );
        expect(node.healthcheck?.test.join(' ')).not.toMatch(/--pass|-a /);
        // what the container's entrypoint renders from the service's own command
        await run('sh', [join(REDIS_CONFIG_DIR, 'render-config.sh'), ...node.command!], {
          env: {
            PATH: process.env.PATH,
            REDIS_RENDER_ONLY: '1',
            REDIS_DATA_DIR: join(dir, name),
            REDIS_ACL_DIR: join(dir, name),
          },
        });
        const rendered = readFileSync(join(dir, name, 'redis.conf'), 'utf8');
        expect(first(rendered, 'cluster-enabled')).toEqual(['yes']);
        expect(first(rendered, 'cluster-node-timeout')).toEqual(['2000']);
        expect(first(rendered, 'cluster-announce-hostname')).toEqual([name]);
        expect(first(rendered, 'cluster-preferred-endpoint-type')).toEqual(['hostname']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(
      new Set(clusterNodes.map((n) => mounts(compose.services[n]).find((m) => m.target === '/data')!.source))
        .size,
    ).toBe(6);
  });

  it('forms the cluster once from all six nodes with --cluster-replicas 1, then starts the sample app on it', () => {
    const port = Number(first(readCommitted('redis-cluster.conf'), 'port')![0]);
    const create = compose.services['redis-cluster-create'];
    expect(create.entrypoint).toEqual(['sh', '/usr/local/etc/redis-ha/cluster-create.sh']);
    expect(create.command).toEqual(clusterNodes.map((n) => `${n}:${port}`));
    expect(create.environment).toMatchObject({ CLUSTER_REPLICAS: '1' });
    expect(create.restart).toBe('no');
    expect(create.depends_on).toEqual(
      Object.fromEntries(clusterNodes.map((n) => [n, { condition: 'service_healthy' }])),
    );
    const script = readCommitted('cluster-create.sh');
    expect(script).toMatch(/--cluster create \$addresses --cluster-replicas "\$replicas" --cluster-yes/);
    expect(script).toMatch(/^replicas=\$\{CLUSTER_REPLICAS:-1\}$/m);

    const app = compose.services['sample-cluster'];
    expect(app.depends_on).toEqual({
      'redis-cluster-create': { condition: 'service_completed_successfully' },
    });
    expect(app.environment).toMatchObject({
      REDIS_MODE: 'cluster',
      REDIS_CLUSTER_NODES: clusterNodes.map((n) => `${n}:${port}`).join(','),
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: devPassword('app'),
    });
    expect(Object.keys(app.environment!).filter((k) => k.startsWith('REDIS_SENTINEL'))).toEqual([]);
    const appLine = /^user app .*$/m.exec(acl)![0];
    expect(appLine).toContain(`~${app.environment!.REDIS_KEY_PREFIX}*`);
  });

  const redisServices = ['redis-1', 'redis-2', 'redis-3'];
  const sentinelServices = ['sentinel-1', 'sentinel-2', 'sentinel-3'];

  it('runs 1 master + 2 replicas + 3 sentinels on the ports, master name and quorum of redis/', () => {
    const [name, host, port, quorum] = first(sentinel, 'sentinel', 'monitor')!;
    expect(name).toBe('mymaster');
    expect(compose.services[host].command).toEqual(['master', host]); // the monitored host starts as master
    expect(first(replica, 'replicaof')).toEqual([host, port]);
    expect(Number(quorum)).toBeGreaterThan(sentinelServices.length / 2);
    for (const s of redisServices) {
      expect(compose.services[s].command).toEqual([s === host ? 'master' : 'replica', s]); // announces its own name
      expect(ports(compose.services[s]).map(([, , target]) => target)).toEqual([
        Number(first(master, 'port')![0]),
      ]);
    }
    expect(Number(port)).toBe(Number(first(master, 'port')![0]));
    for (const s of sentinelServices) {
      expect(compose.services[s].command).toEqual(['sentinel', s]);
      expect(ports(compose.services[s]).map(([, , target]) => target)).toEqual([
        Number(first(sentinel, 'port')![0]),
      ]);
    }
  });

  it('renders the committed files through redis/render-config.sh into a named volume at their `dir`', () => {
    for (const s of [...redisServices, ...sentinelServices]) {
      const service = compose.services[s];
      expect(service.entrypoint).toEqual(['sh', '/usr/local/etc/redis-ha/render-config.sh']);
      const m = mounts(service);
      expect(m).toContainEqual({
        source: join(ROOT, 'redis'),
        target: '/usr/local/etc/redis-ha',
        readOnly: true,
      });
      const data = m.find((v) => v.target === first(s.startsWith('redis') ? master : sentinel, 'dir')![0]);
      expect(data && compose.volumes[data.source]).toBeDefined();
      expect(service.restart).toBe('unless-stopped');
      expect(service.healthcheck?.test.join(' ')).toMatch(/--user admin/);
    }
    expect(first(master, 'dir')).toEqual(first(replica, 'dir'));
  });

  it('publishes only the documented host ports, all on 127.0.0.1', () => {
    const block = /# Host ports[^\n]*\n((?:#  +\d[^\n]*\n)+)/.exec(composeText)![1];
    // each line: "#   6380, 6381, 6382     what they are"
    const documented = block
      .split('\n')
      .flatMap((line) => (/^#\s+([\d, ]+)/.exec(line)?.[1].match(/\d+/g) ?? []).map(Number));
    const published = Object.values(compose.services).flatMap((s) => ports(s));
    expect(published.map(([, p]) => p).sort()).toEqual([...documented].sort());
    expect(new Set(published.map(([ip]) => ip))).toEqual(new Set(['127.0.0.1']));
  });

  it('uses the ACL users of redis/ everywhere, and .env.example documents every password', () => {
    const aclUsers = users(acl).filter((u) => u !== 'default');
    expect(aclUsers.sort()).toEqual([...ACL_USERS].sort());
    expect(
      users(sentinel)
        .filter((u) => u !== 'default')
        .sort(),
    ).toEqual([...ACL_USERS].filter((u) => u !== 'replicator').sort());
    expect(aclUsers).toContain(first(master, 'masteruser')![0]);
    expect(aclUsers).toContain(first(sentinel, 'sentinel', 'auth-user', 'mymaster')![0]);
    expect(users(sentinel)).toContain(first(sentinel, 'sentinel', 'sentinel-user')![0]);
    for (const s of [...redisServices, ...sentinelServices]) {
      expect(Object.keys(compose.services[s].environment!).sort()).toEqual(
        ACL_USERS.map(passwordVariable).sort(),
      );
    }
    for (const target of [...redisServices, ...sentinelServices]) {
      const [kind, n] = target.split('-');
      const port = first(kind === 'redis' ? master : sentinel, 'port')![0];
      const exporter = compose.services[`${kind}-exporter-${n}`];
      expect(exporter.environment).toMatchObject({
        REDIS_ADDR: `redis://${target}:${port}`,
        REDIS_USER: 'exporter',
      });
    }
    const env = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const variables = [...composeText.matchAll(/\$\{(\w+):-/g)].map((m) => m[1]);
    for (const variable of new Set(variables)) expect(env).toMatch(new RegExp(`^${variable}=`, 'm'));
  });

  it('holds only hashes of the documented dev-only passwords in the committed files', () => {
    for (const text of [acl, sentinel]) {
      for (const line of directives(text).filter((d) => d[0] === 'user' && d[1] !== 'default')) {
        const user = line[1] as (typeof ACL_USERS)[number];
        expect(line.filter((rule) => rule.startsWith('>'))).toEqual([]); // no clear-text password
        expect(line).toContain(`#${sha256(devPassword(user))}`);
      }
    }
    expect(first(master, 'masterauth')).toBeUndefined();
    expect(first(sentinel, 'sentinel', 'auth-pass', 'mymaster')).toBeUndefined();
  });

  it('keeps redis-master.conf and redis-replica.conf identical but for replicaof', () => {
    const settings = (text: string) => directives(text).filter((d) => d[0] !== 'replicaof');
    expect(settings(replica)).toEqual(settings(master));
    expect(first(master, 'replicaof')).toBeUndefined();
  });

  it('mounts the monitoring files into Prometheus and Grafana', () => {
    const targets = (name: string) => mounts(compose.services[name]).map((m) => `${m.source} -> ${m.target}`);
    const mon = join(ROOT, 'redis', 'monitoring');
    expect(targets('prometheus')).toEqual(
      expect.arrayContaining([
        `${mon}/prometheus.yml -> /etc/prometheus/prometheus.yml`,
        `${mon}/alerts.yml -> /etc/prometheus/alerts.yml`,
      ]),
    );
    expect(targets('grafana')).toEqual(
      expect.arrayContaining([
        `${mon}/grafana/provisioning -> /etc/grafana/provisioning`,
        `${mon}/grafana/dashboards -> /etc/grafana/dashboards`,
      ]),
    );
  });
});

describe('redis/render-config.sh (the containers entrypoint) on real processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-config-'));
  const passwords = Object.fromEntries(
    ACL_USERS.map((u) => [passwordVariable(u), `${u}-rotated-${Date.now()}`]),
  );
  const started: ChildProcess[] = [];

  async function render(role: string, host: string, extra: Record<string, string> = {}): Promise<string> {
    const env = {
      PATH: process.env.PATH,
      REDIS_RENDER_ONLY: '1',
      REDIS_DATA_DIR: join(dir, host),
      REDIS_ACL_DIR: join(dir, host),
      ...passwords,
      ...extra,
    };
    const { stdout } = await run('sh', [join(REDIS_CONFIG_DIR, 'render-config.sh'), role, host], { env });
    return stdout.trim();
  }

  function startRedis(conf: string, port: number, ...args: string[]): void {
    const proc = spawn(
      'redis-server',
      [conf, '--port', String(port), '--bind', '127.0.0.1', '--dir', join(conf, '..'), ...args],
      { stdio: 'ignore' },
    );
    started.push(proc);
  }

  afterAll(async () => {
    await Promise.all(
      started.map((p) =>
        p.exitCode === null ? new Promise((r) => p.once('exit', r).kill('SIGKILL')) : undefined,
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders a master and a replica that replicate and authenticate with the passwords from the environment', async () => {
    expect(await render('master', 'node-a')).toBe(`redis-server ${join(dir, 'node-a', 'redis.conf')}`);
    await render('replica', 'node-b');
    startRedis(join(dir, 'node-a', 'redis.conf'), 27080, '--repl-diskless-sync-delay', '0');
    startRedis(
      join(dir, 'node-b', 'redis.conf'),
      27081,
      '--replicaof',
      '127.0.0.1',
      '27080',
      '--repl-diskless-sync-delay',
      '0',
    ); // no DNS for node-a here
    const app = { username: 'app', password: passwords.REDIS_ACL_APP_PASSWORD };
    await poll(
      'the rendered master',
      async () => (await query(27080, app, 'SET', 'app:rendered', '1')) === 'OK',
      10_000,
    );
    await poll(
      'the rendered replica',
      async () => (await query(27081, app, 'GET', 'app:rendered')) === '1',
      10_000,
    );
    await expect(query(27080, { username: 'app', password: devPassword('app') }, 'PING')).rejects.toThrow();
    const admin = { username: 'admin', password: passwords.REDIS_ACL_ADMIN_PASSWORD };
    await expect(query(27080, admin, 'INFO', 'replication')).resolves.toMatch(
      /slave0:ip=node-b,port=27081,state=online/,
    );
  });

  it('renders Redis Cluster nodes that cluster-create.sh forms once (3 primaries + 3 replicas) and leaves alone after', async () => {
    // 21190-21195: their bus ports (+10000) stay below Linux's ephemeral range, as cluster-create.sh's MEET assumes
    const nodePorts = [21190, 21191, 21192, 21193, 21194, 21195];
    for (const [i, port] of nodePorts.entries()) {
      await render('cluster', `cnode-${i}`);
      startRedis(join(dir, `cnode-${i}`, 'redis.conf'), port);
    }
    const create = () =>
      run('sh', [join(REDIS_CONFIG_DIR, 'cluster-create.sh'), ...nodePorts.map((p) => `127.0.0.1:${p}`)], {
        env: { PATH: process.env.PATH, ...passwords, CLUSTER_CREATE_TIMEOUT_S: '20' },
      });
    const admin = { username: 'admin', password: passwords.REDIS_ACL_ADMIN_PASSWORD };
    const nodes = async () =>
      ((await query(nodePorts[0], admin, 'CLUSTER', 'NODES')) as string)
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .map(([id, address, flags, master, , , , , ...slots]) => ({ id, address, flags, master, slots }))
        .sort((a, b) => a.address.localeCompare(b.address));

    const formed = await create();
    expect(formed.stdout).toMatch(/cluster_state:ok on every node/);
    // gossip spreads who replicates whom within a few pings
    await poll(
      'three primaries with one replica each',
      async () => {
        const all = await nodes();
        const primaries = all.filter((n) => n.flags.includes('master'));
        const replicas = all.filter((n) => n.flags.includes('slave'));
        return (
          primaries.length === 3 &&
          primaries.every((p) => p.slots.length > 0 && replicas.filter((r) => r.master === p.id).length === 1)
        );
      },
      10_000,
    );
    const before = await nodes();
    // each node announces the name it was rendered with (what clients are given)
    expect(before.map((n) => n.address.split(',')[1]).sort()).toEqual(nodePorts.map((_, i) => `cnode-${i}`));
    const app = { username: 'app', password: passwords.REDIS_ACL_APP_PASSWORD };
    const slots = (await query(nodePorts[0], app, 'CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number],
    ][];
    expect(slots.map(([, , [host]]) => host).every((h) => /^cnode-\d$/.test(h))).toBe(true);

    const again = await create();
    expect(again.stdout).toMatch(/already formed/);
    expect(again.stdout).not.toMatch(/Performing hash slots allocation/);
    const after = await nodes();
    expect(after.map(({ id, slots: s }) => [id, s])).toEqual(before.map(({ id, slots: s }) => [id, s]));
  });

  it('renders a sentinel once, then re-applies secrets and announce name on every start', async () => {
    await render('sentinel', 'sentinel-x');
    const conf = join(dir, 'sentinel-x', 'sentinel.conf');
    const once = readFileSync(conf, 'utf8');
    expect(once).toContain(`#${sha256(passwords.REDIS_ACL_APP_PASSWORD)}`);
    expect(once).not.toContain(sha256(devPassword('app')));
    expect(once).toMatch(
      new RegExp(`^sentinel auth-pass mymaster ${passwords.REDIS_ACL_SENTINEL_PASSWORD}$`, 'm'),
    );
    expect(once).toMatch(/^sentinel announce-ip sentinel-x$/m);

    await render('sentinel', 'sentinel-x', { REDIS_ACL_SENTINEL_PASSWORD: 'rotated-again' });
    const twice = readFileSync(conf, 'utf8');
    expect(twice.match(/^sentinel auth-pass /gm)).toHaveLength(1);
    expect(twice.match(/^sentinel sentinel-pass rotated-again$/gm)).toHaveLength(1);
    expect(twice.match(/^sentinel announce-ip /gm)).toHaveLength(1);
    expect(twice).toContain(`user sentinel on #${sha256('rotated-again')}`);
  });

  it('picks the role of a StatefulSet pod (auto) and writes REDIS_MASTER_HOST into replicaof and sentinel monitor', async () => {
    const masterHost = 'redis-0.redis.ns.svc.cluster.local';
    const extra = { REDIS_MASTER_HOST: masterHost };
    await render('auto', masterHost, extra);
    await render('auto', 'redis-1.redis.ns.svc.cluster.local', extra);
    await render('sentinel', 'sentinel-0.sentinel.ns.svc.cluster.local', extra);
    const conf = (host: string, file: string) => readFileSync(join(dir, host, file), 'utf8');
    expect(conf(masterHost, 'redis.conf')).not.toMatch(/^replicaof /m);
    expect(conf('redis-1.redis.ns.svc.cluster.local', 'redis.conf')).toMatch(
      new RegExp(`^replicaof ${masterHost} 6379$`, 'm'),
    );
    expect(conf('sentinel-0.sentinel.ns.svc.cluster.local', 'sentinel.conf')).toMatch(
      new RegExp(`^sentinel monitor mymaster ${masterHost} 6379 2$`, 'm'),
    );
  });
});
