/**
 * Pub/Sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH SSUBSCRIBE
 * SUNSUBSCRIBE SPUBLISH and PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP,
 * with Redis 7.0's replies:
 *
 *   - every (un)subscription is confirmed by a [kind, channel, count] array
 *     (a RESP3 push): count is channels + patterns for (P)(UN)SUBSCRIBE and
 *     shard channels for S(UN)SUBSCRIBE; an unsubscribe-all with nothing to
 *     drop still answers once, with a null channel;
 *   - messages are [message, channel, payload], [pmessage, pattern, channel,
 *     payload] and [smessage, channel, payload]; shard publishes ignore patterns;
 *   - a RESP2 client with at least one subscription is in subscriber mode
 *     (native.setClient(slot, ClientField.PubSub, 1)): the dispatcher then refuses other
 *     commands and answers PING with ["pong", msg];
 *   - inside EXEC, SUBSCRIBE and PSUBSCRIBE work but SSUBSCRIBE is refused
 *     (Redis's CLIENT_DENY_BLOCKING).
 *
 * Channel and pattern names are binary: they are keyed by their latin1
 * string. A publish encodes each message once per protocol and writes the
 * same bytes to every subscriber; a message for the publishing client itself
 * goes into its reply stream (before the PUBLISH reply, as in Redis).
 */
import { ClientField } from '../boundary.gen';
import type { CommandCall, CommandRegistry, Handler } from '../commands/registry';
import { replyHelp, subcommandSyntaxError } from '../commands/registry';
import type { ServerContext } from '../context';
import type { Connection } from '../network/connection';
import { RespWriter } from '../protocol/resp-writer';
import { globMatch } from '../util/glob';

interface Channel {
  name: Buffer;
  subs: Set<Connection>;
}

/** One client's subscriptions, in the order they were made. */
interface ClientSubs {
  channels: Set<string>;
  patterns: Set<string>;
  shard: Set<string>;
  /** Whether the native side has the client in subscriber mode. */
  mode: boolean;
}

/** Subscriptions counted in (P)(UN)SUBSCRIBE confirmations. */
const channelCount = (cs: ClientSubs | undefined): number => (cs ? cs.channels.size + cs.patterns.size : 0);
/** Subscriptions counted in S(UN)SUBSCRIBE confirmations. */
const shardCount = (cs: ClientSubs | undefined): number => (cs ? cs.shard.size : 0);

function add(map: Map<string, Channel>, id: string, name: Buffer, conn: Connection): void {
  let ch = map.get(id);
  if (!ch) {
    ch = { name, subs: new Set() };
    map.set(id, ch);
  }
  ch.subs.add(conn);
}

function remove(map: Map<string, Channel>, id: string, conn: Connection): void {
  const ch = map.get(id);
  if (!ch) return;
  ch.subs.delete(conn);
  if (ch.subs.size === 0) map.delete(id);
}

/** [kind, channel or null, count] as a push (RESP3) or an array (RESP2). */
function confirm(call: CommandCall, kind: string, channel: Buffer | null, count: number): void {
  call.w.pushing(new RespWriter(call.w.resp).push(3).bulk(kind).bulk(channel).int(count).toBuffer());
}

// ---------------------------------------------------------------------------
// Message encoding

/** [kind, ...] as a push (RESP3) or an array (RESP2). */
function encode(resp: number, parts: Buffer[]): Buffer {
  const w = new RespWriter(resp).push(parts.length);
  for (const p of parts) w.bulk(p);
  return w.toBuffer();
}

/** A message's bytes per protocol, built on first use. */
class Encoded {
  private resp2: Buffer | undefined;
  private resp3: Buffer | undefined;
  constructor(private readonly parts: Buffer[]) {}
  for(resp: number): Buffer {
    if (resp >= 3) return (this.resp3 ??= encode(3, this.parts));
    return (this.resp2 ??= encode(2, this.parts));
  }
}

const MESSAGE = Buffer.from('message');
const PMESSAGE = Buffer.from('pmessage');
const SMESSAGE = Buffer.from('smessage');

function deliver(conn: Connection, msg: Encoded, self: CommandCall | undefined): void {
  // The publisher's own copy joins its reply stream, ahead of the PUBLISH reply.
  if (self && self.conn === conn) self.w.pushing(msg.for(self.w.resp));
  else conn.send(msg.for(conn.resp));
}

export class PubSub {
  /** Server-wide subscriptions. Maps keep insertion order, like Redis's per-channel client lists. */
  private readonly channels = new Map<string, Channel>();
  private readonly shardChannels = new Map<string, Channel>();
  /** Pattern → subscribers (Redis 7.0's server.pubsub_patterns dict). */
  private readonly patterns = new Map<string, Channel>();
  private readonly clients = new Map<Connection, ClientSubs>();

  constructor(private readonly ctx: ServerContext) {}

  register(r: CommandRegistry): void {
    const commands: Array<[string, Handler]> = [
      ['subscribe', (call) => this.subscribeChannels(call, false)],
      ['unsubscribe', (call) => this.unsubscribeChannels(call, false)],
      ['ssubscribe', (call) => this.subscribeChannels(call, true)],
      ['sunsubscribe', (call) => this.unsubscribeChannels(call, true)],
      ['psubscribe', (call) => this.psubscribe(call)],
      ['punsubscribe', (call) => this.punsubscribe(call)],
      ['publish', (call) => this.publishCommand(call, false)],
      ['spublish', (call) => this.publishCommand(call, true)],
      ['pubsub|channels', (call) => this.listChannels(call, this.channels)],
      ['pubsub|shardchannels', (call) => this.listChannels(call, this.shardChannels)],
      ['pubsub|numsub', (call) => this.countSubscribers(call, this.channels)],
      ['pubsub|shardnumsub', (call) => this.countSubscribers(call, this.shardChannels)],
      ['pubsub|numpat', (call) => void call.w.int(this.patterns.size)],
      ['pubsub|help', pubsubHelp],
    ];
    for (const [name, handler] of commands) r.register(name, handler);
  }

  /** PUBLISH / SPUBLISH: delivered here, and sent to the replicas (whose subscribers get it too), as Redis. */
  private publishCommand(call: CommandCall, shard: boolean): void {
    call.w.int(this.publish(call.args[1], call.args[2], shard, call));
    this.ctx.native.replication('publish', call.conn.db, call.args);
  }

  /**
   * Publishes `message` on `channel` and returns the number of receivers.
   * `self`, when given, is the command that publishes (its client receives its
   * copy in its reply). Also used for keyspace notifications.
   */
  publish(channel: Buffer, message: Buffer, shard = false, self?: CommandCall): number {
    let receivers = 0;
    const ch = (shard ? this.shardChannels : this.channels).get(channel.toString('latin1'));
    if (ch) {
      const msg = new Encoded([shard ? SMESSAGE : MESSAGE, channel, message]);
      for (const conn of ch.subs) deliver(conn, msg, self);
      receivers += ch.subs.size;
    }
    if (shard) return receivers;
    for (const pat of this.patterns.values()) {
      if (!globMatch(pat.name, channel)) continue;
      const msg = new Encoded([PMESSAGE, pat.name, channel, message]);
      for (const conn of pat.subs) deliver(conn, msg, self);
      receivers += pat.subs.size;
    }
    return receivers;
  }

  /**
   * Drops every subscription of `conn` without replies and leaves subscriber
   * mode: for RESET and when the connection goes.
   */
  unsubscribeAll(conn: Connection): void {
    const cs = this.clients.get(conn);
    if (!cs) return;
    for (const id of cs.channels) remove(this.channels, id, conn);
    for (const id of cs.patterns) remove(this.patterns, id, conn);
    for (const id of cs.shard) remove(this.shardChannels, id, conn);
    cs.channels.clear();
    cs.patterns.clear();
    cs.shard.clear();
    this.updateMode(conn, cs);
    this.clients.delete(conn);
  }

  /** CLIENT LIST sub= psub= ssub=. */
  subscriptionCounts(conn: Connection): { sub: number; psub: number; ssub: number } {
    const cs = this.clients.get(conn);
    return { sub: cs?.channels.size ?? 0, psub: cs?.patterns.size ?? 0, ssub: cs?.shard.size ?? 0 };
  }

  /** The client's channels, patterns and shard channels, as latin1 strings (ACL channel checks). */
  subscriptionsOf(conn: Connection): { channels: string[]; patterns: string[]; shard: string[] } {
    const cs = this.clients.get(conn);
    return { channels: [...(cs?.channels ?? [])], patterns: [...(cs?.patterns ?? [])], shard: [...(cs?.shard ?? [])] };
  }

  /** Redis's CLIENT_PUBSUB: CLIENT LIST flag 'P' and client type "pubsub". */
  isPubSubClient(conn: Connection): boolean {
    return this.clients.get(conn)?.mode ?? false;
  }

  /** INFO stats: pubsub_channels, pubsub_patterns, pubsubshard_channels. */
  stats(): { channels: number; patterns: number; shardChannels: number } {
    return { channels: this.channels.size, patterns: this.patterns.size, shardChannels: this.shardChannels.size };
  }

  private readonly release = (conn: Connection): void => this.unsubscribeAll(conn);

  private subsOf(conn: Connection): ClientSubs {
    let cs = this.clients.get(conn);
    if (!cs) {
      cs = { channels: new Set(), patterns: new Set(), shard: new Set(), mode: false };
      this.clients.set(conn, cs);
      conn.onRelease(this.release);
    }
    return cs;
  }

  /** Enters or leaves RESP2 subscriber mode on the native side as the total crosses zero. */
  private updateMode(conn: Connection, cs: ClientSubs): void {
    const on = cs.channels.size + cs.patterns.size + cs.shard.size > 0;
    if (on === cs.mode) return;
    cs.mode = on;
    this.ctx.native.setClient(conn.slot, ClientField.PubSub, on ? 1 : 0);
  }

  private subscribeChannels(call: CommandCall, shard: boolean): void {
    const { conn, args } = call;
    if (shard && call.inExec) return void call.w.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    const cs = this.subsOf(conn);
    const mine = shard ? cs.shard : cs.channels;
    const map = shard ? this.shardChannels : this.channels;
    for (let i = 1; i < args.length; i++) {
      const id = args[i].toString('latin1');
      if (!mine.has(id)) {
        mine.add(id);
        add(map, id, args[i], conn);
      }
      confirm(call, shard ? 'ssubscribe' : 'subscribe', args[i], shard ? shardCount(cs) : channelCount(cs));
    }
    this.updateMode(conn, cs);
  }

  private unsubscribeChannels(call: CommandCall, shard: boolean): void {
    const { conn, args } = call;
    const cs = this.clients.get(conn);
    const kind = shard ? 'sunsubscribe' : 'unsubscribe';
    const map = shard ? this.shardChannels : this.channels;
    const mine = cs ? (shard ? cs.shard : cs.channels) : undefined;
    const count = () => (shard ? shardCount(cs) : channelCount(cs));
    if (args.length === 1) {
      if (!mine || mine.size === 0) return void confirm(call, kind, null, count());
      for (const id of [...mine]) {
        mine.delete(id);
        remove(map, id, conn);
        confirm(call, kind, Buffer.from(id, 'latin1'), count());
      }
    } else {
      for (let i = 1; i < args.length; i++) {
        const id = args[i].toString('latin1');
        if (mine?.delete(id)) remove(map, id, conn);
        confirm(call, kind, args[i], count());
      }
    }
    if (cs) this.updateMode(conn, cs);
  }

  private psubscribe(call: CommandCall): void {
    const { conn, args } = call;
    const cs = this.subsOf(conn);
    for (let i = 1; i < args.length; i++) {
      const id = args[i].toString('latin1');
      if (!cs.patterns.has(id)) {
        cs.patterns.add(id);
        add(this.patterns, id, args[i], conn);
      }
      confirm(call, 'psubscribe', args[i], channelCount(cs));
    }
    this.updateMode(conn, cs);
  }

  private punsubscribe(call: CommandCall): void {
    const { conn, args } = call;
    const cs = this.clients.get(conn);
    if (args.length === 1) {
      if (!cs || cs.patterns.size === 0) return void confirm(call, 'punsubscribe', null, channelCount(cs));
      for (const id of [...cs.patterns]) {
        cs.patterns.delete(id);
        remove(this.patterns, id, conn);
        confirm(call, 'punsubscribe', Buffer.from(id, 'latin1'), channelCount(cs));
      }
    } else {
      for (let i = 1; i < args.length; i++) {
        const id = args[i].toString('latin1');
        if (cs?.patterns.delete(id)) remove(this.patterns, id, conn);
        confirm(call, 'punsubscribe', args[i], channelCount(cs));
      }
    }
    if (cs) this.updateMode(conn, cs);
  }

  private listChannels(call: CommandCall, map: Map<string, Channel>): void {
    if (call.args.length > 3) return subcommandSyntaxError(call, 'PUBSUB');
    const pattern = call.args[2];
    const names: Buffer[] = [];
    for (const ch of map.values()) if (!pattern || globMatch(pattern, ch.name)) names.push(ch.name);
    call.w.array(names.length);
    for (const n of names) call.w.bulk(n);
  }

  private countSubscribers(call: CommandCall, map: Map<string, Channel>): void {
    const { args, w } = call;
    w.array((args.length - 2) * 2);
    for (let i = 2; i < args.length; i++) {
      w.bulk(args[i]).int(map.get(args[i].toString('latin1'))?.subs.size ?? 0);
    }
  }
}

function pubsubHelp(call: CommandCall): void {
  replyHelp(call.w, 'PUBSUB', [
    'CHANNELS [<pattern>]',
    "    Active channels (with at least one subscriber) matching <pattern> (default: '*').",
    'NUMPAT',
    '    Number of distinct patterns clients are subscribed to.',
    'NUMSUB [<channel> ...]',
    '    Subscriber count of each <channel>, pattern subscriptions not included.',
    'SHARDCHANNELS [<pattern>]',
    "    Active shard channels matching <pattern> (default: '*').",
    'SHARDNUMSUB [<shardchannel> ...]',
    '    Subscriber count of each shard channel.',
  ]);
}
