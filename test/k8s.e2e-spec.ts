import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import {
  ACL_USERS,
  devPassword,
  passwordVariable,
  readCommitted,
  sha256,
} from '../tools/cluster/cluster-config';

/**
 * k8s/ has no cluster to run on here: every manifest is parsed and the references between them (names,
 * labels, selectors, ports, ConfigMap and Secret keys, probes) are checked against each other, against
 * redis/ and against the variables the library reads.
 */
const ROOT = join(__dirname, '..');
const K8S = join(ROOT, 'k8s');

type Labels = Record<string, string>;
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string } }[];
  affinity?: {
    podAntiAffinity?: Record<
      string,
      {
        topologyKey?: string;
        labelSelector?: { matchLabels: Labels };
        podAffinityTerm?: { topologyKey: string; labelSelector: { matchLabels: Labels } };
      }[]
    >;
  };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  spec?: {
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
    selector?: Labels & { matchLabels?: Labels };
    ports?: { name: string; port: number; targetPort: string | number }[];
    serviceName?: string;
    replicas?: number;
    minAvailable?: number;
    template?: { metadata: { labels: Labels }; spec: PodSpec };
  };
  stringData?: Record<string, string>;
}
interface Kustomization {
  namespace: string;
  resources: string[];
  configMapGenerator: { name: string; files: string[] }[];
}

const kustomization = load(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as Kustomization;
const objects = kustomization.resources.flatMap(
  (file) => loadAll(readFileSync(join(K8S, file), 'utf8')) as K8sObject[],
);
const find = (kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in k8s/`);
  return found;
};
const workloads = objects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment');
const containerOf = (workload: K8sObject) => workload.spec!.template!.spec.containers[0];
const envOf = (workload: K8sObject) =>
  Object.fromEntries((containerOf(workload).env ?? []).map((e) => [e.name, e]));
const matches = (selector: Labels, labels: Labels) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const sentinelConf = readCommitted('sentinel.conf');
const confPort = (file: string) => Number(/^port (\d+)$/m.exec(readCommitted(file))![1]);

describe('k8s/ manifests', () => {
  it('lists every manifest in kustomization.yaml, each a named object in the kustomize namespace', () => {
    const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    for (const o of objects) {
      expect(o.apiVersion && o.kind && o.metadata?.name).toBeTruthy();
      expect(o.metadata.namespace).toBeUndefined(); // kustomize sets it for all
    }
    expect(find('Namespace', kustomization.namespace)).toBeDefined();
  });

  it('generates the ConfigMap from the redis/ files and runs render-config.sh from where it is mounted', () => {
    const [generator] = kustomization.configMapGenerator;
    const keys = generator.files.map((entry) => {
      const [key, path] = entry.split('=');
      expect(path).toBe(`../redis/${key}`); // the committed file itself, never a copy
      expect(existsSync(join(K8S, path))).toBe(true);
      return key;
    });
    expect(keys.sort()).toEqual([
      'redis-master.conf',
      'redis-replica.conf',
      'render-config.sh',
      'sentinel.conf',
      'users.acl',
    ]);
    for (const name of ['redis', 'sentinel']) {
      const sts = find('StatefulSet', name);
      const volume = sts.spec!.template!.spec.volumes!.find((v) => v.configMap)!;
      expect(volume.configMap!.name).toBe(generator.name);
      const mount = containerOf(sts).volumeMounts!.find((m) => m.name === volume.name)!;
      expect(containerOf(sts).command).toEqual(['sh', `${mount.mountPath}/render-config.sh`]);
      const data = containerOf(sts).volumeMounts!.find((m) => m.name === 'data')!;
      expect(data.mountPath).toBe('/data'); // the `dir` of the committed files
    }
  });

  it('feeds each ACL password from the Secret, whose defaults are the dev-only ones redis/ is hashed with', () => {
    const secret = find('Secret', 'redis-ha-acl');
    expect(Object.keys(secret.stringData!).sort()).toEqual(ACL_USERS.map(passwordVariable).sort());
    for (const user of ACL_USERS) {
      expect(readCommitted('users.acl')).toContain(`#${sha256(secret.stringData![passwordVariable(user)])}`);
      expect(secret.stringData![passwordVariable(user)]).toBe(devPassword(user));
    }
    for (const workload of workloads) {
      for (const env of containerOf(workload).env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        if (ref) expect(find('Secret', ref.name).stringData).toHaveProperty([ref.key]);
      }
    }
    // every user a pod's config holds gets its password (sentinel.conf has no replicator)
    const users = (text: string) =>
      [...text.matchAll(/^user (\w+) /gm)].map((m) => m[1]).filter((u) => u !== 'default');
    expect(
      Object.keys(envOf(find('StatefulSet', 'redis')))
        .filter((n) => /^REDIS_ACL_\w+_PASSWORD$/.test(n))
        .sort(),
    ).toEqual(
      users(readCommitted('users.acl'))
        .map((u) => passwordVariable(u as (typeof ACL_USERS)[number]))
        .sort(),
    );
    expect(
      Object.keys(envOf(find('StatefulSet', 'sentinel')))
        .filter((n) => /^REDIS_ACL_\w+_PASSWORD$/.test(n))
        .sort(),
    ).toEqual(
      users(sentinelConf)
        .map((u) => passwordVariable(u as (typeof ACL_USERS)[number]))
        .sort(),
    );
  });

  it.each([
    ['redis', 'redis-master.conf', 'auto'],
    ['sentinel', 'sentinel.conf', 'sentinel'],
  ])(
    'runs StatefulSet %s behind its headless Service with matching labels, ports and host names',
    (name, conf, role) => {
      const sts = find('StatefulSet', name);
      const labels = sts.spec!.template!.metadata.labels;
      expect(matches(sts.spec!.selector!.matchLabels!, labels)).toBe(true);
      expect(sts.spec!.replicas).toBe(3);
      const service = find('Service', sts.spec!.serviceName!);
      expect(service.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
      expect(matches(service.spec!.selector as Labels, labels)).toBe(true);
      const [port] = service.spec!.ports!;
      const containerPort = containerOf(sts).ports!.find((p) => p.name === port.targetPort)!;
      expect([port.port, containerPort.containerPort]).toEqual([confPort(conf), confPort(conf)]);
      const host = `$(POD_NAME).${service.metadata.name}.$(POD_NAMESPACE).svc.cluster.local`;
      expect(containerOf(sts).args).toEqual([role, host]);
      // the initial master: pod 0 of the redis StatefulSet, by the name the redis pods announce
      const redis = find('StatefulSet', 'redis');
      expect(envOf(sts).REDIS_MASTER_HOST.value).toBe(
        `redis-0.${redis.spec!.serviceName}.$(POD_NAMESPACE).svc.cluster.local`,
      );
      for (const field of ['POD_NAME', 'POD_NAMESPACE'])
        expect(envOf(sts)[field].valueFrom?.fieldRef).toBeDefined();
    },
  );

  it('keeps the writable master and the sentinel quorum through drains (PDBs) and spreads pods (anti-affinity)', () => {
    const quorum = Number(/^sentinel monitor \S+ \S+ \d+ (\d+)$/m.exec(sentinelConf)![1]);
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    expect(pdbs).toHaveLength(workloads.length);
    for (const workload of workloads) {
      const labels = workload.spec!.template!.metadata.labels;
      const covering = pdbs.filter((p) => matches(p.spec!.selector!.matchLabels!, labels));
      expect(covering).toHaveLength(1);
      const others = workloads.filter((w) => w !== workload);
      expect(
        others.some((w) =>
          matches(covering[0].spec!.selector!.matchLabels!, w.spec!.template!.metadata.labels),
        ),
      ).toBe(false);
      const terms = Object.values(workload.spec!.template!.spec.affinity!.podAntiAffinity!).flat();
      for (const term of terms) {
        const t = term.podAffinityTerm ?? term;
        expect(t.topologyKey).toBe('kubernetes.io/hostname');
        expect(t.labelSelector!.matchLabels).toEqual(labels);
      }
    }
    // the master plus one replica (min-replicas-to-write 1); a quorum and a majority of sentinels
    expect(find('PodDisruptionBudget', 'redis').spec!.minAvailable).toBeGreaterThanOrEqual(2);
    expect(find('PodDisruptionBudget', 'sentinel').spec!.minAvailable).toBeGreaterThanOrEqual(
      Math.max(quorum, 2),
    );
    const required = (name: string) =>
      find('StatefulSet', name).spec!.template!.spec.affinity!.podAntiAffinity!;
    expect(required('redis')).toHaveProperty('requiredDuringSchedulingIgnoredDuringExecution');
    expect(required('sentinel')).toHaveProperty('requiredDuringSchedulingIgnoredDuringExecution');
  });

  it('probes Redis with PING and Sentinel with CKQUORUM as the admin user', () => {
    const probe = (name: string, kind: 'readinessProbe' | 'livenessProbe') =>
      containerOf(find('StatefulSet', name))[kind]!.exec!.command.join(' ');
    expect(probe('redis', 'readinessProbe')).toMatch(
      /--user admin --pass "\$REDIS_ACL_ADMIN_PASSWORD" ping \| grep -q PONG/,
    );
    expect(probe('redis', 'livenessProbe')).toMatch(/ping \| grep -qE "PONG\|LOADING"/);
    const master = /^sentinel monitor (\S+)/m.exec(sentinelConf)![1];
    expect(probe('sentinel', 'readinessProbe')).toMatch(
      new RegExp(`-p ${confPort('sentinel.conf')} --user admin .* sentinel ckquorum ${master}`),
    );
  });

  it('serves the sample app on port 3000 with liveness on /health/live and readiness on /health/ready', () => {
    const app = find('Deployment', 'sample');
    const c = containerOf(app);
    const http = c.ports!.find((p) => p.name === 'http')!;
    expect(http.containerPort).toBe(3000);
    expect(envOf(app).PORT.value).toBe(String(http.containerPort));
    expect(c.livenessProbe!.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(c.startupProbe!.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(c.readinessProbe!.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    const service = find('Service', 'sample');
    expect(matches(service.spec!.selector as Labels, app.spec!.template!.metadata.labels)).toBe(true);
    expect(service.spec!.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http' }]);
  });

  it('configures the sample app only with variables the library reads, pointing at the sentinels and app user of redis/', () => {
    const sources = readdirSync(join(ROOT, 'libs/redis-ha/src/config')).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'),
    );
    const names = sources.flatMap((f) =>
      [
        ...readFileSync(join(ROOT, 'libs/redis-ha/src/config', f), 'utf8').matchAll(/'([A-Z][A-Z0-9_]+)'/g),
      ].map((m) => m[1]),
    );
    const known = (name: string) =>
      name === 'PORT' || names.includes(name) || names.some((n) => n.endsWith('_') && name.startsWith(n));
    const env = envOf(find('Deployment', 'sample'));
    for (const name of Object.keys(env)) expect([name, known(name)]).toEqual([name, true]);

    const sentinels = find('StatefulSet', 'sentinel');
    const expected = [0, 1, 2].map(
      (i) => `sentinel-${i}.${sentinels.spec!.serviceName}:${confPort('sentinel.conf')}`,
    );
    expect(env.REDIS_SENTINEL_HOSTS.value!.split(',')).toEqual(expected.slice(0, sentinels.spec!.replicas));
    expect(env.REDIS_MASTER_NAME.value).toBe(/^sentinel monitor (\S+)/m.exec(sentinelConf)![1]);
    expect(env.REDIS_MODE.value).toBe('sentinel');
    for (const [user, password] of [
      ['REDIS_USERNAME', 'REDIS_PASSWORD'],
      ['REDIS_SENTINEL_USERNAME', 'REDIS_SENTINEL_PASSWORD'],
    ]) {
      expect(env[user].value).toBe('app');
      expect(env[password].valueFrom?.secretKeyRef).toEqual({
        name: 'redis-ha-acl',
        key: passwordVariable('app'),
      });
    }
    const appLine = /^user app .*$/m.exec(readCommitted('users.acl'))![0];
    expect(appLine).toContain(`~${env.REDIS_KEY_PREFIX.value}*`);
  });

  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  // kubectl is not part of the project's setup (no cluster here); where it is installed, prove kustomize builds.
  (kubectl ? it : it.skip)(
    `builds with kubectl kustomize${kubectl ? '' : ' (skipped: kubectl is not installed)'}`,
    () => {
      const out = execFileSync('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', K8S], {
        encoding: 'utf8',
      });
      const built = loadAll(out) as K8sObject[];
      const configMap = built.find((o) => o.kind === 'ConfigMap')!;
      expect(configMap.metadata.name).toMatch(/^redis-ha-config-/); // hashed name, rewritten in the StatefulSets
      expect(out.match(new RegExp(`name: ${configMap.metadata.name}$`, 'gm'))!.length).toBe(3);
      expect(
        built
          .filter((o) => o.kind !== 'Namespace')
          .every((o) => o.metadata.namespace === kustomization.namespace),
      ).toBe(true);
    },
  );
});
