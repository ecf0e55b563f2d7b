/**
 * The startup banner: Tachyon's own art, with the lines harnesses that launch
 * redis-server look for where Redis's logo has them (the version, "Running
 * in <mode> mode", " Port: <port>", " PID: <pid>"). Shown, as Redis does,
 * when logging to a terminal or with always-show-logo yes; otherwise the log
 * says "Running mode=standalone, port=<port>." instead.
 */
import { TACHYON_VERSION, VERSION } from './version';

const ART = [
  '                                                                      ',
  '                       .     *      .                                 ',
  '              .   .  *    .  :  .    *  .   .                         ',
  '      ---------=====<<<<<{{{ # }}}>>>>>=====---------                 ',
  '              \'   \'  *    \'  :  \'    *  \'   \'                         ',
  '                       \'     *      \'                                 ',
  '                                                                      ',
  '          T  A  C  H  Y  O  N     faster than the light it serves     ',
  '                                                                      ',
];

/** The banner for a server in `mode` listening on `port`, as written to the log (LL_RAW). */
export function logo(mode: string, port: number, pid: number): string {
  const info = [
    '',
    `Tachyon ${TACHYON_VERSION} (Redis ${VERSION} protocol) 64 bit`,
    '',
    `Running in ${mode} mode`,
    `Port: ${port}`,
    `PID: ${pid}`,
    '',
    '',
    'https://www.npmjs.com/package/tachyon-kv',
  ];
  return ART.map((line, i) => `${line} ${info[i] ?? ''}`.trimEnd()).join('\n') + '\n\n';
}
