/**
 * LOLWUT and MODULE against a real redis-server 7.0 (RESP2 and RESP3).
 *
 * LOLWUT draws with Redis's algorithms: VERSION 5's Schotter is compared
 * byte for byte where it has no randomness (the first two rows of squares),
 * and otherwise by shape (lines, widths, Braille characters); VERSION 6's
 * skyline by shape and palette. The version line is Tachyon's own.
 *
 * MODULE: LIST is empty, LOAD/LOADEX fail as a module that cannot be
 * loaded fails on Redis, UNLOAD finds nothing; LOAD, LOADEX and UNLOAD need
 * enable-module-command.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, norm, useDifferential, type Normalizer } from '../helpers/differential';
import { replyText } from '../helpers/resp';

/** The art with the version line's server name and version masked. */
const versionLine = (t: string) => t.replace(/(Redis|Tachyon) ver\. [\d.]+/g, '<server> ver. <version>');

const exact: Normalizer = (r) => {
  const t = replyText(r);
  return t === undefined || r.type === 'error' ? r : { type: 'simple', value: versionLine(t) };
};

/** Lines, their widths in characters, and the set of characters (or colour codes) used. */
const shape: Normalizer = (r) => {
  const t = replyText(r);
  if (t === undefined || r.type === 'error') return r;
  const lines = versionLine(t).split('\n');
  const art = lines.filter((l) => !l.includes('ver.') && !l.startsWith('Dedicated'));
  const widths = [...new Set(art.map((l) => [...l.replace(/\x1b\[[\d;]+m/g, '')].length))].join(',');
  const braille = art.every((l) => [...l].every((ch) => ch >= '\u2800' && ch <= '\u28ff'));
  const colours = [...new Set(t.match(/\x1b\[0;\d+;\d+m/g) ?? [])].sort().join('');
  return { type: 'simple', value: `${lines.length} lines; widths ${widths}; braille ${braille}; colours ${colours.length > 0}; ${lines.filter((l) => l.includes('ver.') || l.startsWith('Dedicated')).join('|')}` };
};

describe.each(PROTOCOLS)('LOLWUT (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('the version line, VERSION 5 and 6, errors', () =>
    d.check(
      norm(['LOLWUT'], exact),
      norm(['LOLWUT', '1', '2', '3'], exact),
      norm(['LOLWUT', 'VERSION', '7'], exact),
      norm(['LOLWUT', 'VERSION', '4'], exact),
      norm(['LOLWUT', 'VERSION', '5', '40', '6', '2'], exact),
      norm(['LOLWUT', 'VERSION', '5', '10', '1', '1'], exact),
      norm(['LOLWUT', 'VERSION', '5', '-5', '0', '0'], exact),
      norm(['LOLWUT', 'VERSION', '5'], shape),
      norm(['LOLWUT', 'VERSION', '5', '100', '20', '30'], shape),
      norm(['LOLWUT', 'VERSION', '6'], shape),
      norm(['LOLWUT', 'VERSION', '6', '30', '10'], shape),
      norm(['LOLWUT', 'VERSION', '6', '1', '1'], shape),
      exp(['LOLWUT', 'VERSION', 'x'], '-ERR value is not an integer or out of range'),
      exp(['LOLWUT', 'VERSION', '5', 'x'], '-ERR value is not an integer or out of range'),
      exp(['LOLWUT', 'VERSION', '6', '10', 'x'], '-ERR value is not an integer or out of range'),
      norm(['LOLWUT', 'VERSION'], exact),
    ));
});

describe.each(PROTOCOLS)('MODULE (RESP%i)', (protocol) => {
  const refusal = /^-ERR MODULE command not allowed\. If the enable-module-command option is set to/;

  describe('enable-module-command no (the default)', () => {
    const d = useDifferential({ protocol });
    test('LIST and HELP answer; LOAD, LOADEX and UNLOAD are refused', () =>
      d.check(
        exp(['MODULE', 'LIST'], '[]'),
        ['MODULE', 'HELP'],
        exp(['MODULE', 'LOAD', '/nonexistent.so'], refusal),
        exp(['MODULE', 'LOADEX', '/nonexistent.so'], refusal),
        exp(['MODULE', 'UNLOAD', 'x'], refusal),
        exp(['MODULE'], "-ERR wrong number of arguments for 'module' command"),
        exp(['MODULE', 'nosuch'], "-ERR unknown subcommand 'nosuch'. Try MODULE HELP."),
      ));
  });

  describe('enable-module-command yes', () => {
    const d = useDifferential({ protocol, config: { 'enable-module-command': 'yes' } });
    test('LOAD and LOADEX fail, UNLOAD finds no module', () =>
      d.check(
        exp(['MODULE', 'LOAD', '/nonexistent.so'], '-ERR Error loading the extension. Please check the server logs.'),
        exp(['MODULE', 'LOAD', '/nonexistent.so', 'arg'], '-ERR Error loading the extension. Please check the server logs.'),
        exp(['MODULE', 'LOADEX', '/nonexistent.so', 'CONFIG', 'a', 'b', 'ARGS', 'c'], '-ERR Error loading the extension. Please check the server logs.'),
        exp(['MODULE', 'UNLOAD', 'x'], '-ERR Error unloading module: no such module with that name'),
        exp(['MODULE', 'LIST'], '[]'),
        exp(['MODULE', 'LOAD'], "-ERR wrong number of arguments for 'module|load' command"),
      ));
  });
});
