/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP.
 */
import { replyHelp, type CommandCall, type CommandRegistry } from './registry';
import { isLoopback } from '../server';

function configGet(call: CommandCall): void {
  const { args, w, server } = call;
  const pairs = server.config.getPatterns(args.slice(2).map((a) => a.toString()));
  w.map(pairs.length);
  for (const [k, v] of pairs) w.bulk(k).bulk(v);
}

function configSet(call: CommandCall): void {
  const { args, w, server } = call;
  if (args.length % 2 !== 0) return void w.error('ERR syntax error');
  const pairs: [string, string][] = [];
  for (let i = 2; i < args.length; i += 2) pairs.push([args[i].toString(), args[i + 1].toString()]);
  // enable-protected-configs local: only loopback and unix-socket clients may change protected options.
  const local = call.conn.kind === 'unix' || isLoopback(call.conn.socket.remoteAddress);
  const error = server.config.set(pairs, { local, loading: server.persistence.loading });
  if (error) w.error(error);
  else w.ok();
}

function configResetStat(call: CommandCall): void {
  call.server.resetStats();
  call.w.ok();
}

function configRewrite(call: CommandCall): void {
  const { w, server } = call;
  try {
    server.config.rewrite();
    server.log.notice('CONFIG REWRITE executed with success.');
    w.ok();
  } catch (e) {
    const msg = (e as Error).message;
    if (msg.startsWith('ERR ')) w.error(msg);
    else {
      server.log.warning(`CONFIG REWRITE failed: ${msg}`);
      w.error(`ERR Rewriting config file: ${msg}`);
    }
  }
}

function configHelp(call: CommandCall): void {
  replyHelp(call.w, 'CONFIG', [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ]);
}

export function registerConfigCommands(r: CommandRegistry): void {
  r.register('config|get', configGet);
  r.register('config|set', configSet);
  r.register('config|resetstat', configResetStat);
  r.register('config|rewrite', configRewrite);
  r.register('config|help', configHelp);
}
