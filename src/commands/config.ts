/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP.
 */
import { isLoopback } from '../network/address';
import { replyHelp, type CommandCall, type CommandRegistry } from './registry';

function configGet(call: CommandCall): void {
  const { args, w, ctx } = call;
  const pairs = ctx.config.getPatterns(args.slice(2).map((a) => a.toString()));
  w.map(pairs.length);
  for (const [k, v] of pairs) w.bulk(k).bulk(v);
}

function configSet(call: CommandCall): void {
  const { args, w, ctx } = call;
  if (args.length % 2 !== 0) return void w.error('ERR syntax error');
  const pairs: [string, string][] = [];
  for (let i = 2; i < args.length; i += 2) pairs.push([args[i].toString(), args[i + 1].toString()]);
  // enable-protected-configs local: only loopback and unix-socket clients may change protected options.
  const local = call.conn.kind === 'unix' || isLoopback(call.conn.socket.remoteAddress);
  const error = ctx.config.set(pairs, { local });
  if (error) w.error(error);
  else w.ok();
}

function configResetStat(call: CommandCall, resetStats: () => void): void {
  resetStats();
  call.w.ok();
}

function configRewrite(call: CommandCall): void {
  const { w, ctx } = call;
  try {
    ctx.config.rewrite();
    ctx.log.notice('CONFIG REWRITE executed with success.');
    w.ok();
  } catch (e) {
    const msg = (e as Error).message;
    if (msg.startsWith('ERR ')) w.error(msg);
    else {
      ctx.log.warning(`CONFIG REWRITE failed: ${msg}`);
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

/** `resetStats` clears every INFO counter (CONFIG RESETSTAT). */
export function registerConfigCommands(r: CommandRegistry, resetStats: () => void): void {
  r.register('config|get', configGet);
  r.register('config|set', configSet);
  r.register('config|resetstat', (call) => configResetStat(call, resetStats));
  r.register('config|rewrite', configRewrite);
  r.register('config|help', configHelp);
}
