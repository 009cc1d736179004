// `npm test` passes --forceExit: test/queue.e2e-spec.ts checks that a startup failure inside a Nest testing
// module names the unregistered queue; Nest runs no shutdown hook after a failed compile, so BullMQ connections the
// half-built module opened stay open and would keep Jest alive. Every other suite exits by itself (each was run
// alone and exited within ~3 s), and test/connection-startup.e2e-spec.ts checks the library closes its sockets.
// Two projects: `unit` (specs beside the code, no Redis) and `e2e` (test/, real redis-server and
// redis-sentinel processes started by tools/cluster/local-cluster.ts). `npm test` runs both, in band,
// because e2e suites measure failover timings and must not fight each other for the machine's two cores.
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true, diagnostics: false }],
};
const moduleNameMapper = {
  // The published package's `nestjs-redis-ha/health` entry is the observability folder (health + metrics).
  '^@app/redis-ha/health$': '<rootDir>/libs/redis-ha/src/observability',
  '^@app/redis-ha(|/.*)$': '<rootDir>/libs/redis-ha/src$1',
};
const common = { rootDir: __dirname, testEnvironment: 'node', transform, moduleNameMapper, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  // Failover scenarios take tens of seconds; testTimeout is a global option in Jest, not a per-project one.
  testTimeout: 180_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], slowTestThreshold: 60 },
  ],
};
