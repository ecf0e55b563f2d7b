#!/usr/bin/env node
// Command-line entry point: `tachyon-server [redis.conf] [--option value ...]`.
require('../dist/cli.js').main(process.argv.slice(2));
