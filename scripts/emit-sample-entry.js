#!/usr/bin/env node
// `nest build sample` compiles the library's sources into the app's output too, so the entry point lands at
// dist/apps/sample/apps/sample/src/main.js. This writes dist/apps/sample/main.js, the stable path that
// `npm run start:sample`, the k8s manifests and the README use.
const { writeFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist', 'apps', 'sample');
if (!existsSync(join(dist, 'apps', 'sample', 'src', 'main.js'))) {
  console.error('dist/apps/sample/apps/sample/src/main.js is missing: run `nest build sample` first');
  process.exit(1);
}
writeFileSync(join(dist, 'main.js'), "require('./apps/sample/src/main');\n");
