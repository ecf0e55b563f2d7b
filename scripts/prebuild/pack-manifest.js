#!/usr/bin/env node
// The package.json that goes into the npm tarball: without the scripts,
// which serve the source checkout (its `npm install` builds the addon and
// compiles TypeScript). A published install script would make npm 11 warn
// on every install ("install scripts not yet covered by allowScripts") and
// would not even run there; the addon loader builds on first use instead
// (src/addon-loader.ts). `prepack` runs `strip`, `postpack` runs `restore`.
//
// Usage: node scripts/prebuild/pack-manifest.js strip|restore
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const manifest = path.join(root, 'package.json');
const saved = path.join(root, 'build-prebuild', 'package.json.orig');

function restore() {
  if (fs.existsSync(saved)) fs.renameSync(saved, manifest);
}

const command = process.argv[2];
if (command === 'strip') {
  restore(); // an earlier pack that failed before its postpack
  const text = fs.readFileSync(manifest, 'utf8');
  fs.mkdirSync(path.dirname(saved), { recursive: true });
  fs.writeFileSync(saved, text);
  const pkg = JSON.parse(text);
  delete pkg.scripts;
  fs.writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (command === 'restore') {
  restore();
} else {
  console.error('usage: pack-manifest.js strip|restore');
  process.exit(2);
}
