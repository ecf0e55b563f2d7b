// CommonJS form: this package is "type": "commonjs", and ESM syntax here makes
// Vite print a config-loader warning on every run.
const { defineConfig } = require('vitest/config') as typeof import('vitest/config');

module.exports = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/helpers/globalSetup.ts'],
  },
});
