/**
 * Finds and loads the native addon: an explicit TACHYON_ADDON (such as the
 * AddressSanitizer build of scripts/asan-tests.sh), a local build
 * (build/Release), then the prebuilt binary of this platform
 * (prebuilds/<platform>-<arch>, skipped with TACHYON_FORCE_BUILD=1). When
 * none loads, the addon is built from source, once, by scripts/install.js:
 * the published package has no install script (npm 11 skips a dependency's
 * install scripts unless the project allows them), so an install without a
 * usable prebuild builds on first use. That script says what is missing when
 * it cannot build.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Addon } from './native';

const root = path.join(__dirname, '..');
const localBuild = path.join(root, 'build', 'Release', 'tachyon.node');
let addon: Addon | undefined;

/** Loads the first candidate that exists and loads; records why the others did not. */
function loadFirst(files: string[], errors: string[]): Addon | undefined {
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    try {
      return require(file) as Addon;
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
    }
  }
  return undefined;
}

export function loadAddon(): Addon {
  if (addon) return addon;
  const errors: string[] = [];
  const candidates = [
    ...(process.env.TACHYON_ADDON ? [path.resolve(process.env.TACHYON_ADDON)] : []),
    localBuild,
    ...(process.env.TACHYON_FORCE_BUILD === '1' ? [] : [path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'tachyon.node')]),
  ];
  addon = loadFirst(candidates, errors);
  if (addon) return addon;
  const installer = path.join(root, 'scripts', 'install.js');
  if (fs.existsSync(installer)) {
    // Its progress goes to stderr, so that stdout stays the program's own.
    const build = spawnSync(process.execPath, [installer], { cwd: root, stdio: ['ignore', 2, 2] });
    addon = build.status === 0 ? loadFirst([localBuild], errors) : undefined;
    if (addon) return addon;
  }
  throw new Error(
    [`tachyon-kv: no usable native addon for ${process.platform}-${process.arch} (Node ${process.version}).`, ...errors].join('\n'),
  );
}
