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

/** kubectl is not part of the project's setup (no cluster here); where it is installed, kustomize builds are proven. */
const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

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
  image?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  containers: Container[];
  restartPolicy?: string;
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
    podManagementPolicy?: string;
    minAvailable?: number;
    maxUnavailable?: number;
    template?: { metadata: { labels: Labels }; spec: PodSpec };
  };
  stringData?: Record<string, string>;
}
interface Kustomization {
  namespace: string;
  resources: string[];
  patches?: { path: string }[];
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
/** Whether the library (libs/redis-ha/src/config) reads an env variable; PORT is the sample app's own. */
const known = (() => {
  const dir = join(ROOT, 'libs/redis-ha/src/config');
  const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  const names = sources.flatMap((f) =>
    [...readFileSync(join(dir, f), 'utf8').matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]),
  );
  return (name: string) =>
    name === 'PORT' || names.includes(name) || names.some((n) => n.endsWith('_') && name.startsWith(n));
})();
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

/**
 * k8s/cluster/: the optional Redis Cluster overlay. Same rules as above (names, labels, selectors, ports, ConfigMap
 * and Secret keys, PDBs, anti-affinity, probes), plus what makes it a cluster: 6 nodes of redis-cluster.conf, a
 * Job that forms them with --cluster-replicas 1, and the sample app in cluster mode.
 */
describe('k8s/cluster/ manifests (Redis Cluster)', () => {
  const DIR = join(K8S, 'cluster');
  const kc = load(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const clusterObjects = kc.resources.flatMap(
    (file) => loadAll(readFileSync(join(DIR, file), 'utf8')) as K8sObject[],
  );
  const get = (kind: string, name: string): K8sObject => {
    const found = clusterObjects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in k8s/cluster/`);
    return found;
  };
  const sts = get('StatefulSet', 'redis-cluster');
  const job = get('Job', 'redis-cluster-create');
  const clusterConf = readCommitted('redis-cluster.conf');
  const port = confPort('redis-cluster.conf');
  const setting = (key: string) => new RegExp(`^${key} (\\S+)$`, 'm').exec(clusterConf)?.[1];

  type PatchEnv = EnvVar & { $patch?: string };
  const patchFiles = (kc.patches ?? []).map(
    (p) => load(readFileSync(join(DIR, p.path), 'utf8')) as K8sObject,
  );
  /** The sample app's env after the overlay's strategic-merge patch (list entries merged by name). */
  const sampleEnv = (): Record<string, EnvVar> => {
    const env = { ...envOf(get('Deployment', 'sample')) };
    for (const patch of patchFiles.filter((p) => p.kind === 'Deployment' && p.metadata.name === 'sample')) {
      for (const entry of (containerOf(patch).env ?? []) as PatchEnv[]) {
        if (entry.$patch === 'delete') delete env[entry.name];
        else env[entry.name] = entry;
      }
    }
    return env;
  };

  it('lists its manifests, reuses the base Secret and sample app, and lives in a namespace of its own', () => {
    const own = readdirSync(DIR).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && !f.endsWith('.patch.yaml'),
    );
    expect(kc.resources.filter((r) => !r.startsWith('../')).sort()).toEqual(own.sort());
    expect(kc.resources.filter((r) => r.startsWith('../')).sort()).toEqual([
      '../redis-acl-secret.yaml',
      '../sample.yaml',
    ]);
    for (const o of clusterObjects) expect(o.metadata.namespace).toBeUndefined();
    expect(get('Namespace', kc.namespace)).toBeDefined();
    expect(kc.namespace).not.toBe(kustomization.namespace); // both topologies can run side by side
    // the Sentinel base is not touched by the overlay
    expect(kustomization.resources.some((r) => r.includes('cluster'))).toBe(false);
  });

  it('generates its ConfigMap from redis/ and runs the scripts from where it is mounted', () => {
    const [generator] = kc.configMapGenerator;
    const keys = generator.files.map((entry) => {
      const [key, path] = entry.split('=');
      expect(path).toBe(`../../redis/${key}`);
      expect(existsSync(join(DIR, path))).toBe(true);
      return key;
    });
    expect(keys.sort()).toEqual(['cluster-create.sh', 'redis-cluster.conf', 'render-config.sh', 'users.acl']);
    for (const [workload, script] of [
      [sts, 'render-config.sh'],
      [job, 'cluster-create.sh'],
    ] as const) {
      const volume = workload.spec!.template!.spec.volumes!.find((v) => v.configMap)!;
      expect(volume.configMap!.name).toBe(generator.name);
      const mount = containerOf(workload).volumeMounts!.find((m) => m.name === volume.name)!;
      expect(containerOf(workload).command).toEqual(['sh', `${mount.mountPath}/${script}`]);
      // pinned as the base pins it
      expect(containerOf(workload).image).toBe(containerOf(find('StatefulSet', 'redis')).image);
      expect(containerOf(workload).resources?.requests?.memory).toBeDefined();
      expect(containerOf(workload).resources?.limits?.memory).toBeDefined();
    }
    expect(containerOf(sts).volumeMounts!.find((m) => m.name === 'data')!.mountPath).toBe(setting('dir'));
  });

  it('feeds every ACL password of users.acl from the Secret', () => {
    const workloads = clusterObjects.filter((o) => o.spec?.template);
    for (const workload of workloads) {
      for (const env of containerOf(workload).env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        if (ref) expect(get('Secret', ref.name).stringData).toHaveProperty([ref.key]);
      }
    }
    const users = [...readCommitted('users.acl').matchAll(/^user (\w+) /gm)]
      .map((m) => m[1])
      .filter((u) => u !== 'default');
    expect(
      Object.keys(envOf(sts))
        .filter((n) => /^REDIS_ACL_\w+_PASSWORD$/.test(n))
        .sort(),
    ).toEqual(users.map((u) => passwordVariable(u as (typeof ACL_USERS)[number])).sort());
  });

  it('runs 6 nodes of redis-cluster.conf (cluster-enabled, node timeout 2000) behind a headless Service', () => {
    expect(setting('cluster-enabled')).toBe('yes');
    expect(setting('cluster-node-timeout')).toBe('2000');
    expect(sts.spec!.replicas).toBe(6);
    expect(sts.spec!.podManagementPolicy).toBe('Parallel'); // no pod is ready before all six formed the cluster
    const labels = sts.spec!.template!.metadata.labels;
    expect(matches(sts.spec!.selector!.matchLabels!, labels)).toBe(true);
    const service = get('Service', sts.spec!.serviceName!);
    expect(service.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(matches(service.spec!.selector as Labels, labels)).toBe(true);
    const containerPort = (name: string | number) =>
      containerOf(sts).ports!.find((p) => p.name === name)!.containerPort;
    expect(service.spec!.ports!.map((p) => [p.name, p.port, containerPort(p.targetPort)])).toEqual([
      ['redis', port, port],
      ['cluster-bus', port + 10000, port + 10000], // cluster-port 0: the bus is port + 10000
    ]);
    expect(setting('cluster-port') ?? '0').toBe('0');
    // render-config.sh's `cluster` role announces this name to clients
    expect(containerOf(sts).args).toEqual([
      'cluster',
      `$(POD_NAME).${service.metadata.name}.$(POD_NAMESPACE).svc.cluster.local`,
    ]);
    for (const field of ['POD_NAME', 'POD_NAMESPACE'])
      expect(envOf(sts)[field].valueFrom?.fieldRef).toBeDefined();
    expect(readCommitted('render-config.sh')).toMatch(/cluster-announce-hostname %s/);
  });

  it('keeps each shard through drains (PDB: one node at a time) and spreads nodes per host', () => {
    const pdbs = clusterObjects.filter((o) => o.kind === 'PodDisruptionBudget');
    const workloads = clusterObjects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment');
    expect(pdbs).toHaveLength(workloads.length);
    for (const workload of workloads) {
      const labels = workload.spec!.template!.metadata.labels;
      expect(pdbs.filter((p) => matches(p.spec!.selector!.matchLabels!, labels))).toHaveLength(1);
    }
    const pdb = pdbs.find((p) =>
      matches(p.spec!.selector!.matchLabels!, sts.spec!.template!.metadata.labels),
    )!;
    expect(pdb.spec!.maxUnavailable ?? sts.spec!.replicas! - pdb.spec!.minAvailable!).toBe(1);
    const anti = sts.spec!.template!.spec.affinity!.podAntiAffinity!;
    expect(anti.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      {
        topologyKey: 'kubernetes.io/hostname',
        labelSelector: { matchLabels: sts.spec!.template!.metadata.labels },
      },
    ]);
  });

  it('probes as admin with the password kept off the command line: ready on cluster_state:ok, alive on PING', () => {
    const probe = (kind: 'readinessProbe' | 'livenessProbe') =>
      containerOf(sts)[kind]!.exec!.command.join(' ');
    expect(probe('readinessProbe')).toMatch(
      /REDISCLI_AUTH="\$REDIS_ACL_ADMIN_PASSWORD" redis-cli --user admin cluster info \| grep -q '\^cluster_state:ok'/,
    );
    expect(probe('livenessProbe')).toMatch(
      /REDISCLI_AUTH="\$REDIS_ACL_ADMIN_PASSWORD" redis-cli --user admin ping \| grep -qE "PONG\|LOADING"/,
    );
    const everything = kc.resources
      .filter((r) => !r.startsWith('../'))
      .map((f) => readFileSync(join(DIR, f), 'utf8'))
      .join('\n');
    expect(everything).not.toMatch(/--pass\b|redis-cli[^\n]* -a /);
    expect(readCommitted('cluster-create.sh')).not.toMatch(/--pass\b|redis-cli[^\n]* -a /);
  });

  it('forms the cluster with a Job whose create covers every pod with --cluster-replicas 1', () => {
    const service = sts.spec!.serviceName!;
    const pods = Array.from(
      { length: sts.spec!.replicas! },
      (_, i) => `redis-cluster-${i}.${service}.$(POD_NAMESPACE).svc.cluster.local:${port}`,
    );
    expect(containerOf(job).args).toEqual(pods);
    const env = envOf(job);
    expect(env.CLUSTER_REPLICAS.value).toBe('1');
    expect(env.POD_NAMESPACE.valueFrom?.fieldRef).toEqual({ fieldPath: 'metadata.namespace' });
    expect(env.REDIS_ACL_ADMIN_PASSWORD.valueFrom?.secretKeyRef).toEqual({
      name: 'redis-ha-acl',
      key: passwordVariable('admin'),
    });
    expect(job.spec!.template!.spec.restartPolicy).toBe('OnFailure');
    const script = readCommitted('cluster-create.sh');
    expect(script).toMatch(/--cluster create \$addresses --cluster-replicas "\$replicas" --cluster-yes/);
    expect(script).toMatch(/^replicas=\$\{CLUSTER_REPLICAS:-1\}$/m);
    // idempotent: creates only while no slot is assigned
    expect(script).toMatch(/cluster_slots_assigned/);
  });

  it('points the sample app at the cluster: REDIS_MODE=cluster, REDIS_CLUSTER_NODES of every pod, no Sentinel settings', () => {
    const env = sampleEnv();
    expect(env.REDIS_MODE.value).toBe('cluster');
    const pods = Array.from(
      { length: sts.spec!.replicas! },
      (_, i) => `redis-cluster-${i}.${sts.spec!.serviceName}:${port}`,
    );
    expect(env.REDIS_CLUSTER_NODES.value!.split(',')).toEqual(pods);
    expect(Object.keys(env).filter((n) => /SENTINEL|MASTER_NAME/.test(n))).toEqual([]);
    for (const name of Object.keys(env)) expect([name, known(name)]).toEqual([name, true]);
    expect(env.REDIS_USERNAME.value).toBe('app');
    expect(env.REDIS_PASSWORD.valueFrom?.secretKeyRef).toEqual({
      name: 'redis-ha-acl',
      key: passwordVariable('app'),
    });
  });

  (kubectl ? it : it.skip)(
    `builds with kubectl kustomize, the patch giving the env computed above${kubectl ? '' : ' (skipped: kubectl is not installed)'}`,
    () => {
      const out = execFileSync('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', DIR], {
        encoding: 'utf8',
      });
      const built = loadAll(out) as K8sObject[];
      const configMap = built.find((o) => o.kind === 'ConfigMap')!;
      expect(configMap.metadata.name).toMatch(/^redis-ha-cluster-config-/);
      expect(out.match(new RegExp(`name: ${configMap.metadata.name}$`, 'gm'))!.length).toBe(3); // + StatefulSet, Job
      expect(
        built.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === kc.namespace),
      ).toBe(true);
      const app = built.find((o) => o.kind === 'Deployment' && o.metadata.name === 'sample')!;
      const byName = (env: Record<string, EnvVar>) =>
        Object.fromEntries(Object.entries(env).map(([name, e]) => [name, { ...e }]));
      expect(byName(envOf(app))).toEqual(byName(sampleEnv()));
    },
  );
});
