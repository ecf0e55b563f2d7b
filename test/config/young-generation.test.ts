/**
 * tachyon-server keeps V8's young generation at its initial size
 * (src/young-generation.ts): the new space stays at 2 MB (two 1 MB
 * semispaces) where it would grow under surviving allocation, and a
 * semispace size given to Node is left alone. Each case runs in its own
 * Node process, since V8 flags are process-wide.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const MODULE = path.join(__dirname, '..', '..', 'dist', 'young-generation.js');

// Allocates objects of which a third survive a while (the pattern that grows
// the new space), then prints the new space's size in MB.
const script = (call: boolean): string => `
  ${call ? `require(${JSON.stringify(MODULE)}).keepYoungGenerationSmall();` : ''}
  const keep = [];
  for (let i = 0; i < 3e6; i++) {
    const o = { a: i, b: 'x' + i };
    if (i % 3 === 0) keep.push(o);
    if (keep.length > 200000) keep.length = 0;
  }
  const ns = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  console.log(ns.space_size / 1048576);
`;

function newSpaceMb(call: boolean, nodeArgs: string[] = []): number {
  const r = spawnSync(process.execPath, [...nodeArgs, '-e', script(call)], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return Number(r.stdout.trim());
}

describe('young generation of the server process', () => {
  it('grows without the setting (the case the setting is for)', () => {
    expect(newSpaceMb(false)).toBeGreaterThan(2);
  });

  it('stays at its initial two 1 MB semispaces with it', () => {
    expect(newSpaceMb(true)).toBe(2);
  });

  it('leaves a semispace size given to Node alone', () => {
    expect(newSpaceMb(true, ['--max-semi-space-size=4'])).toBeGreaterThan(2);
  });
});
