#!/usr/bin/env node
// npm install hook: use a prebuilt addon when one matches this platform and
// loads; otherwise build from source with cmake-js (Node-API headers come from
// the node-api-headers npm package, so nothing is downloaded from elsewhere).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'tachyon.node');

function loads(file) {
  try {
    require(file);
    return true;
  } catch (e) {
    console.warn(`tachyon-kv: prebuilt addon ${file} does not load here: ${e.message}`);
    return false;
  }
}

if (process.env.TACHYON_FORCE_BUILD !== '1' && fs.existsSync(prebuilt) && loads(prebuilt)) {
  console.log(`tachyon-kv: using prebuilt addon for ${process.platform}-${process.arch}`);
  process.exit(0);
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(
    [
      'tachyon-kv: building the native addon failed.',
      'It needs cmake (>= 3.15) and a C++17 compiler, e.g. on Debian/Ubuntu: apt-get install -y cmake g++',
    ].join('\n'),
  );
  process.exit(r.status ?? 1);
}
