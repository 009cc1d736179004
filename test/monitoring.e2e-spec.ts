import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { LocalCluster } from '../tools/cluster/local-cluster';
import { addQueue, get, startHealthApp, type HealthApp } from './health-e2e.helpers';
import { parsePrometheusText, sampleNames } from './metrics-text.helpers';

// testTimeout in jest.config.js sits in a project, where Jest ignores it: cluster starts take longer than 5 s.
jest.setTimeout(180_000);

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
]);

/**
 * The metric names a PromQL expression selects (promtool is not on this machine): strings, label matchers,
 * range/subquery brackets, grouping clauses and numbers are removed; what remains and is not followed by `(`
 * (a function or aggregation) nor a keyword is a metric name.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/(^|[^a-zA-Z_:])\d+(\.\d+)?(e[+-]?\d+)?/g, '$1 ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const [token, call] = [m[0].replace(/\s*\($/, ''), m[1]];
    if (!call && !KEYWORDS.has(token)) names.add(token);
  }
  return [...names];
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string };
}

describe('monitoring kit: Prometheus scrape config, alert rules, Grafana dashboard', () => {
  let cluster: LocalCluster;
  let h: HealthApp | undefined;
  let queue: Awaited<ReturnType<typeof addQueue>> | undefined;
  let exported: Set<string>;
  const exporter = JSON.parse(read('redis/monitoring/redis-exporter-metrics.json')).metrics as Record<
    string,
    string
  >;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27440, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    await cluster.waitUntilHealthy();
    h = await startHealthApp({ ...cluster.env(), REDIS_KEY_PREFIX: 'app:', HEALTH_SHUTDOWN_DELAY_MS: '0' });
    queue = await addQueue(h.app, 'monitoring-jobs');
    await queue.queue.add('job', {});
    // A real scrape of the library: the names the rules and panels may use.
    const res = await get(h.url, '/metrics');
    expect(res.status).toBe(200);
    exported = sampleNames(parsePrometheusText(res.text));
  });

  afterAll(async () => {
    await queue?.close().catch(() => undefined);
    await h?.close().catch(() => undefined);
    await cluster?.stop();
  });

  /** Every name is exported by the app (real scrape) or is a documented redis_exporter metric. */
  function expectKnown(where: string, expr: string): void {
    const names = metricNames(expr);
    expect([where, names.length > 0]).toEqual([where, true]);
    for (const name of names) {
      const known = exported.has(name) || name in exporter;
      expect([where, name, known]).toEqual([where, name, true]);
    }
  }

  it('extracts metric names from PromQL the way Prometheus reads it', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, role) (rate(redis_ha_command_duration_seconds_bucket{role="writer"}[5m]))) > 0.25',
      ),
    ).toEqual(['redis_ha_command_duration_seconds_bucket']);
    expect(
      metricNames(
        '(redis_connected_slaves{job="redis"} and on (instance) redis_instance_info{role="master"}) < 2',
      ),
    ).toEqual(['redis_connected_slaves', 'redis_instance_info']);
    expect(
      metricNames(
        'redis_master_repl_offset - on (instance) group_right redis_connected_slave_offset_bytes > 100e6',
      ),
    ).toEqual(['redis_master_repl_offset', 'redis_connected_slave_offset_bytes']);
    expect(metricNames('(sum(redis_instance_info{role="master"}) or vector(0)) < 1')).toEqual([
      'redis_instance_info',
    ]);
  });

  it('prometheus.yml loads the alert rules and scrapes the app and every exporter service of the compose file', () => {
    const prometheus = load(read('redis/monitoring/prometheus.yml')) as any;
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const jobs = Object.fromEntries(prometheus.scrape_configs.map((j: any) => [j.job_name, j]));
    expect(Object.keys(jobs).sort()).toEqual(['redis', 'redis-ha-app', 'sentinel']);
    expect(jobs['redis-ha-app'].metrics_path).toBe('/metrics');
    const targets = (job: string): string[] => jobs[job].static_configs.flatMap((c: any) => c.targets);

    // docker-compose resolves the file's YAML merge keys (<<: *exporter) and validates it on the way.
    const resolved = execFileSync(
      'docker-compose',
      ['-f', 'docker-compose.redis-ha.yml', '--profile', 'monitoring', 'config'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    const compose = load(resolved) as any;
    const services = compose.services as Record<string, any>;
    const exporters = Object.keys(services).filter((name) =>
      String(services[name].image).includes('redis_exporter'),
    );
    expect(exporters.length).toBe(6);
    expect([...targets('redis'), ...targets('sentinel')].sort()).toEqual(
      exporters.map((s) => `${s}:9121`).sort(),
    );
    for (const s of exporters) expect(services[s].profiles).toEqual(['monitoring']);

    // The compose monitoring profile mounts these very files.
    const mounts = [...services.prometheus.volumes, ...services.grafana.volumes]
      .map((v: string) => v.replace(`${ROOT}/`, './').split(':'))
      .filter(([source]: string[]) => source.startsWith('./'));
    expect(mounts.map(([source]: string[]) => source).sort()).toEqual([
      './redis/monitoring/alerts.yml',
      './redis/monitoring/grafana/dashboards',
      './redis/monitoring/grafana/provisioning',
      './redis/monitoring/prometheus.yml',
    ]);
    for (const [source] of mounts) expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
    expect(mounts.find(([s]: string[]) => s.endsWith('alerts.yml'))![1]).toBe('/etc/prometheus/alerts.yml');
  });

  it('alerts.yml: every alert the issue asks for, well formed, each expression on metrics that really exist', () => {
    const rules = (load(read('redis/monitoring/alerts.yml')) as any).groups.flatMap(
      (g: any) => g.rules,
    ) as Rule[];
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const required of [
      'RedisMasterDown',
      'RedisFailoverHappened',
      'RedisSentinelQuorumLost',
      'RedisReplicaMissing',
      'RedisReplicationLag',
      'RedisMemoryNearMaxmemory',
      'RedisHaQueueBacklog',
      'RedisHaCacheInFallback',
    ]) {
      expect(names).toContain(required);
    }
    for (const rule of rules) {
      expect([rule.alert, typeof rule.expr, rule.labels?.severity]).toEqual([
        rule.alert,
        'string',
        expect.stringMatching(/^(critical|warning)$/),
      ]);
      expect([rule.alert, !!rule.annotations?.summary]).toEqual([rule.alert, true]);
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(balanced(rule.expr)).toBe(true);
      expectKnown(`alert ${rule.alert}`, rule.expr);
    }
  });

  it('the Grafana dashboard: provisioned, on the provisioned datasource, every query on metrics that really exist', () => {
    const datasources = load(read('redis/monitoring/grafana/provisioning/datasources/prometheus.yml')) as any;
    const uid = datasources.datasources[0].uid;
    expect(datasources.datasources[0].url).toBe('http://prometheus:9090');
    const providers = load(read('redis/monitoring/grafana/provisioning/dashboards/redis-ha.yml')) as any;
    expect(providers.providers[0].options.path).toBe('/etc/grafana/dashboards');

    const dashboard = JSON.parse(read('redis/monitoring/grafana/dashboards/redis-ha.json'));
    expect(dashboard.uid).toBe('redis-ha');
    const panels = dashboard.panels as any[];
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queries = panels.filter((p) => p.type !== 'row');
    expect(queries.length).toBeGreaterThanOrEqual(15);
    for (const panel of queries) {
      expect([panel.title, panel.datasource?.uid]).toEqual([panel.title, uid]);
      expect([panel.title, panel.targets.length > 0]).toEqual([panel.title, true]);
      for (const target of panel.targets) {
        expect(balanced(target.expr)).toBe(true);
        expectKnown(`panel "${panel.title}"`, target.expr);
      }
    }
    for (const annotation of dashboard.annotations.list)
      expectKnown(`annotation ${annotation.name}`, annotation.expr);
    // What the issue asks the dashboard to show.
    const all = queries.flatMap((p) => p.targets.map((t: any) => t.expr)).join('\n');
    for (const metric of [
      'redis_ha_master_info',
      'redis_ha_failovers_total',
      'redis_ha_sentinel_quorum_ok',
      'redis_connected_slaves',
      'redis_connected_slave_lag_seconds',
      'redis_memory_max_bytes',
      'redis_ha_command_duration_seconds_bucket',
      'redis_ha_cache_mode',
      'redis_ha_cache_hits_total',
      'redis_ha_queue_jobs',
      'redis_ha_queue_job_duration_seconds_bucket',
    ]) {
      expect(all).toContain(metric);
    }
  });

  it('the documented redis_exporter list holds only redis_* names with their source, and each is used', () => {
    const rules = read('redis/monitoring/alerts.yml');
    const dashboard = read('redis/monitoring/grafana/dashboards/redis-ha.json');
    for (const [name, source] of Object.entries(exporter)) {
      expect(name).toMatch(/^redis_[a-z0-9_]+$/);
      expect(name.startsWith('redis_ha_')).toBe(false);
      expect(source).toMatch(/exporter\/(exporter|info|sentinels)\.go/);
      expect([name, rules.includes(name) || dashboard.includes(name)]).toEqual([name, true]);
    }
  });
});

function balanced(expr: string): boolean {
  let depth = 0;
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '')) {
    if ('({['.includes(c)) depth++;
    if (')}]'.includes(c)) depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
}
