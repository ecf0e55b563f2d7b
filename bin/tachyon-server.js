#!/usr/bin/env node
// Command-line entry point: `tachyon-server [redis.conf] [--option value ...]`.
// The young generation is pinned before the server's modules load: loading
// them alone would otherwise double it (2 MB of RSS kept for good).
require('../dist/young-generation.js').keepYoungGenerationSmall();
require('../dist/cli.js').main(process.argv.slice(2));
