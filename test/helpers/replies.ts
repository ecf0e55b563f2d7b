/**
 * What the per-type suites share: Redis's common error replies, an exact
 * (unnormalised) differential step, and a seeded PRNG so random scripts
 * replay identically on every run.
 */
import type { Arg, StepSpec } from './differential';

export const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value';
export const NOT_INT = '-ERR value is not an integer or out of range';
export const SYNTAX = '-ERR syntax error';
export const ARITY = (cmd: string): string => `-ERR wrong number of arguments for '${cmd}' command`;

/** Compare the raw reply, order included (for encodings whose order is deterministic). */
export const exact = (cmd: Arg[], expect?: string | RegExp): StepSpec => ({ cmd, norm: [], ...(expect ? { expect } : {}) });

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
