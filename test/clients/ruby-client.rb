# Everyday redis-rb usage against one server, printing a deterministic
# transcript (test/clients/ruby.test.ts runs it against redis-server 7.0 and
# against Tachyon and compares the two transcripts exactly).
#
# Usage: ruby ruby-client.rb PORT
# Nothing printed may depend on time, ids or ordering the server does not fix.
require 'redis'

PORT = Integer(ARGV[0])
# The 4.x deprecation notes (sadd's return type ...) go to stderr; keep the run quiet.
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

def out(label, value)
  puts "#{label}: #{value.inspect}"
end

def conn(**kw)
  Redis.new(host: '127.0.0.1', port: PORT, **kw)
end

def err(label)
  out(label, yield)
rescue Redis::BaseError => e
  out(label, [e.class.name, e.message])
end

r = conn
r.flushall

# --- strings with expiry
out 'set ex', r.set('s:1', 'hello', ex: 100)
out 'ttl in range', (1..100).cover?(r.ttl('s:1'))
out 'set nx existing', r.set('s:1', 'x', nx: true)
out 'set xx get', r.set('s:1', 'world', xx: true, get: true)
out 'setex/psetex', [r.setex('s:2', 50, 'v'), r.psetex('s:3', 50_000, 'v'), (1..50_000).cover?(r.pttl('s:3'))]
out 'incr/incrby/incrbyfloat/decr', [r.incr('n'), r.incrby('n', 10), r.incrbyfloat('n', 1.5), r.decrby('m', 3)]
out 'mset/mget/mapped_mget', [r.mset('a', '1', 'b', '2'), r.mget('a', 'b', 'missing'), r.mapped_mget('a', 'zz')]
out 'msetnx', r.msetnx('a', 'x', 'c', 'y')
out 'getset/getdel', [r.getset('a', 'new'), r.getdel('a'), r.exists?('a')]
out 'append/getrange/setrange', [r.append('b', '34'), r.getrange('b', 1, 2), r.setrange('b', 0, 'Z'), r.get('b')]
out 'expire/ttl/persist', [r.expire('b', 10), r.persist('b'), r.ttl('b'), r.ttl('nope')]
out 'expireat/pexpireat', [r.expireat('b', 4_000_000_000), r.pexpireat('c', 4_000_000_000_000), r.ttl('c') > 0]
out 'exists/type/del', [r.exists('b', 'c', 'nope'), r.type('b'), r.del('c', 'nope')]
out 'object encoding', [r.object('encoding', 'n'), r.object('encoding', 'b')]
out 'setbit/bitcount/bitpos', [r.setbit('bits', 9, 1), r.bitcount('bits'), r.bitpos('bits', 1)]

# --- errors mapped to exception classes
r.set('str', 'abc')
err('wrongtype') { r.lpush('str', 'x') }
err('not an integer') { r.incr('str') }
err('unknown command') { r.call('NOSUCHCMD', 'x') }
err('wrong arity') { r.call('GET') }
err('syntax') { r.call('SET', 'k', 'v', 'BADOPT') }
err('noscript') { r.evalsha('0' * 40) }
err('script runtime') { r.eval("return redis.call('nosuch')") }
err('busygroup') { r.xgroup(:create, 'gs', 'g', '0', mkstream: true); r.xgroup(:create, 'gs', 'g', '0') }

# --- pipelines and transactions
res = r.pipelined do |p|
  p.set('p:1', 1)
  p.incr('p:1')
  p.get('p:1')
end
out 'pipelined', res
fut = nil
res = r.multi do |m|
  m.set('t:1', 'a')
  m.append('t:1', 'b')
  fut = m.get('t:1')
end
out 'multi', [res, fut.value]
err('multi with a failing command') do
  r.multi do |m|
    m.set('t:2', 'a')
    m.lpush('t:2', 'b')
    m.get('t:2')
  end
end
err('exec abort') do
  r.multi do |m|
    m.set('t:3', 'a')
    m.call('INCRBY', 't:3')
  end
end
out 'exec abort applied nothing', r.exists('t:3')

# WATCH with a retry: another connection changes the key after the first WATCH.
r.set('balance', 100)
other = conn
attempts = 0
loop do
  attempts += 1
  result = r.watch('balance') do
    cur = r.get('balance').to_i
    other.incrby('balance', 5) if attempts == 1
    r.multi { |m| m.set('balance', cur - 30) }
  end
  out 'watch exec', result
  break unless result.nil?
end
out 'watch final', [attempts, r.get('balance')]
out 'unwatch', r.unwatch

# --- lists
out 'rpush/lpush', [r.rpush('l', %w[a b c]), r.lpush('l', 'z'), r.lrange('l', 0, -1)]
out 'linsert/lindex/llen', [r.linsert('l', :before, 'b', 'ab'), r.lindex('l', 2), r.llen('l')]
out 'lrem/ltrim/lset', [r.lrem('l', 1, 'ab'), r.ltrim('l', 0, 2), r.lset('l', 0, 'Z'), r.lrange('l', 0, -1)]
out 'lmove/rpoplpush', [r.lmove('l', 'l2', 'LEFT', 'RIGHT'), r.rpoplpush('l', 'l2'), r.lrange('l2', 0, -1)]
out 'lpop count/rpop', [r.lpop('l2', 5), r.rpop('l2'), r.rpop('l')]
err('lset out of range') { r.lset('l', 10, 'x') }

# --- hashes
out 'hset/mapped_hmset', [r.hset('h', 'f1', 'v1', 'f2', '2'), r.mapped_hmset('h', 'f3' => 'v3')]
out 'hgetall', r.hgetall('h').sort
out 'hincrby/hincrbyfloat', [r.hincrby('h', 'f2', 3), r.hincrbyfloat('h', 'f2', 0.5)]
out 'hmget/mapped_hmget/hexists/hlen', [r.hmget('h', 'f1', 'x'), r.mapped_hmget('h', 'f1', 'x'), r.hexists('h', 'f3'), r.hlen('h')]
out 'hsetnx/hdel/hkeys/hvals', [r.hsetnx('h', 'f1', 'x'), r.hdel('h', 'f3'), r.hkeys('h').sort, r.hvals('h').sort]
err('hincrby on a non-integer') { r.hincrby('h', 'f1', 1) }

# --- sets
out 'sadd/smembers', [r.sadd('s', %w[a b c d]), r.sadd('s2', %w[c d e]), r.smembers('s').sort]
out 'sinter/sunion/sdiff', [r.sinter('s', 's2').sort, r.sunion('s', 's2').sort, r.sdiff('s', 's2').sort]
out 'sismember/smismember/scard', [r.sismember('s', 'a'), r.smismember('s', 'a', 'x'), r.scard('s')]
out 'srem/smove/spop count', [r.srem('s', 'a'), r.smove('s', 's2', 'b'), r.spop('s', 5).sort, r.exists('s')]
out 'sadd? / srem?', [r.sadd?('s3', 'x'), r.sadd?('s3', 'x'), r.srem?('s3', 'x')]

# --- sorted sets
out 'zadd', [r.zadd('z', [[1, 'a'], [2, 'b'], [3.5, 'c'], [-1, 'd']]), r.zadd('z', 5, 'a', nx: true)]
out 'zadd xx/gt/ch/incr', [r.zadd('z', [[5, 'a'], [1, 'e']], xx: true, ch: true), r.zadd('z', 1, 'b', gt: true),
                           r.zadd('z', 0.5, 'a', incr: true)]
out 'zrange withscores', r.zrange('z', 0, -1, withscores: true)
out 'zrevrange/zrangebyscore', [r.zrevrange('z', 0, 1, with_scores: true), r.zrangebyscore('z', 0, '+inf', limit: [0, 2])]
out 'zrevrangebyscore/zrangebylex', [r.zrevrangebyscore('z', '+inf', 2), r.zrangebylex('z', '-', '[b')]
out 'zscore/zrank/zrevrank/zcard/zcount', [r.zscore('z', 'c'), r.zrank('z', 'c'), r.zrevrank('z', 'c'), r.zcard('z'), r.zcount('z', 1, 3)]
out 'zincrby/zpopmin/zpopmax', [r.zincrby('z', 2, 'd'), r.zpopmin('z'), r.zpopmax('z', 2)]
out 'zmscore/zrem', [r.zmscore('z', 'b', 'nope'), r.zrem('z', 'nope'), r.zrem('z', %w[nope b])]
r.zadd('zz', [[10, 'b'], [1, 'x']])
r.zadd('z', 2, 'b')
out 'zunionstore/zinterstore', [r.zunionstore('zu', %w[z zz]), r.zrange('zu', 0, -1, with_scores: true),
                                r.zinterstore('zi', %w[z zz], weights: [2, 1], aggregate: 'max'),
                                r.zrange('zi', 0, -1, with_scores: true)]
err('zadd bad score') { r.call('ZADD', 'z', 'nan', 'x') }

# --- streams with consumer groups
out 'xadd', (1..5).map { |i| r.xadd('st', { f: i, g: 'x' }, id: "1-#{i}") }
out 'xadd maxlen', r.xadd('st', { f: 6 }, id: '2-0', maxlen: 5, approximate: false)
out 'xlen/xrange/xrevrange', [r.xlen('st'), r.xrange('st', '-', '+', count: 2), r.xrevrange('st', '+', '-', count: 1)]
out 'xgroup create', r.xgroup(:create, 'st', 'grp', '0')
out 'xreadgroup', r.xreadgroup('grp', 'c1', 'st', '>', count: 2)
out 'xreadgroup c2', r.xreadgroup('grp', 'c2', 'st', '>', count: 1)
out 'xack', r.xack('st', 'grp', '1-2')
out 'xpending summary', r.xpending('st', 'grp')
out 'xpending range', r.xpending('st', 'grp', '-', '+', 10).map { |e| [e['entry_id'], e['consumer'], e['count']] }
out 'xclaim justid', r.xclaim('st', 'grp', 'c2', 0, '1-3', justid: true)
out 'xautoclaim', r.xautoclaim('st', 'grp', 'c3', 0, '0-0', count: 10, justid: true)
out 'xinfo groups', r.xinfo(:groups, 'st').map { |g| [g['name'], g['consumers'], g['pending'], g['last-delivered-id']] }
out 'xinfo consumers', r.xinfo(:consumers, 'st', 'grp').map { |c| [c['name'], c['pending']] }.sort
info = r.xinfo(:stream, 'st')
out 'xinfo stream', [info['length'], info['first-entry'], info['last-entry'], info['last-generated-id'], info['groups']]
out 'xtrim/xdel', [r.xtrim('st', 4), r.xdel('st', '2-0'), r.xlen('st')]
out 'xread', r.xread('st', '0', count: 1)
err('xadd id too small') { r.xadd('st', { f: 1 }, id: '1-1') }
err('xreadgroup nogroup') { r.xreadgroup('nogrp', 'c', 'st', '>') }

# --- SCAN iterators
30.times { |i| r.set("scan:#{i}", i) }
r.mapped_hmset('bighash', (0...200).to_h { |i| ["f#{i}", i] })
r.zadd('bigz', (0...200).map { |i| [i, "m#{i}"] })
r.sadd('bigset', (0...200).map { |i| "m#{i}" })
out 'scan_each match', r.scan_each(match: 'scan:1*', count: 7).to_a.sort
out 'scan_each type', r.scan_each(type: 'zset').to_a.sort
out 'hscan_each', r.hscan_each('bighash', match: 'f1*').to_a.length
out 'zscan_each', r.zscan_each('bigz', match: 'm19*').to_a.sort_by { |_, s| s }
out 'sscan_each', r.sscan_each('bigset', match: 'm2?').to_a.sort
cursor, keys = r.scan(0, match: 'nomatch*', count: 1000)
out 'scan one call', [cursor, keys]

# --- Lua scripts with the EVALSHA / NOSCRIPT fallback as applications write it
script = "local v = redis.call('incr', KEYS[1]) " \
         "if v > tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end return v"
sha = r.script(:load, script)
out 'script load/exists', [sha, r.script(:exists, sha), r.script(:exists, [sha, '0' * 40])]
out 'evalsha', (1..3).map { r.evalsha(sha, keys: ['cap'], argv: [2]) }
out 'script flush', r.script(:flush)
run = lambda do |keys, argv|
  r.evalsha(sha, keys: keys, argv: argv)
rescue Redis::CommandError => e
  raise unless e.message.start_with?('NOSCRIPT')
  out 'fallback after', e.message
  r.eval(script, keys: keys, argv: argv)
end
out 'evalsha with fallback', run.call(['cap2'], [5])
out 'eval conversions', r.eval("return {1, 'two', 3.7, true, false, redis.call('ping')}")
out 'eval status/error', [r.eval("return redis.status_reply('FINE')"), (begin
  r.eval("return redis.error_reply('MYERR custom')")
rescue Redis::CommandError => e
  e.message
end)]

# --- blocking pops with timeouts
out 'blpop timeout', r.blpop('empty1', 'empty2', timeout: 0.1)
r.rpush('ready', %w[x y])
out 'brpop ready', r.brpop('empty1', 'ready', timeout: 1)
out 'bzpopmin timeout', r.bzpopmin('emptyz', timeout: 0.1)
out 'brpoplpush timeout', r.brpoplpush('empty1', 'dst', timeout: 0.1)
pusher = conn
t = Thread.new { sleep 0.15; pusher.rpush('wake', %w[w1 w2]) }
out 'blpop woken', r.blpop('wake', timeout: 5)
t.join
out 'left after wake', r.lrange('wake', 0, -1)
out 'xread block timeout', r.xread('st', '$', block: 100)

# --- pub/sub
events = Queue.new
sub = conn
subscriber = Thread.new do
  sub.subscribe('chan:1', 'chan:2') do |on|
    on.subscribe { |ch, n| events << [:subscribe, ch, n] }
    on.message do |ch, msg|
      events << [:message, ch, msg]
      if msg == 'bye'
        sub.unsubscribe
      end
    end
    on.unsubscribe { |ch, n| events << [:unsubscribe, ch, n] }
  end
end
got = Array.new(2) { events.pop }
out 'subscribed', got.sort
out 'publish', [r.publish('chan:1', 'hi'), r.publish('chan:2', 'bye'), r.publish('nobody', 'x')]
got = Array.new(4) { events.pop }
# UNSUBSCRIBE without arguments walks the client's channel dict, whose order
# follows Redis's per-process hash seed: channels and counts compared as sets.
out 'messages and unsubscribes', got[0, 2] + [got[2, 2].map { |e| e[1] }.sort, got[2, 2].map { |e| e[2] }.sort]
subscriber.join
psub = conn
pevents = Queue.new
psubscriber = Thread.new do
  psub.psubscribe('news.*') do |on|
    on.psubscribe { |pat, n| pevents << [:psubscribe, pat, n] }
    on.pmessage do |pat, ch, msg|
      pevents << [:pmessage, pat, ch, msg]
      psub.punsubscribe
    end
    on.punsubscribe { |pat, n| pevents << [:punsubscribe, pat, n] }
  end
end
out 'psubscribed', pevents.pop
out 'pubsub numpat/channels', [r.pubsub(:numpat), r.pubsub(:channels, '*')]
out 'publish to pattern', r.publish('news.tech', 'n1')
out 'pmessage', [pevents.pop, pevents.pop]
psubscriber.join
out 'connection usable after unsubscribe', sub.ping

# --- INFO parsing
info = r.info
out 'info fields', [info['redis_mode'], info['role'], info['connected_clients'].class.name, info.key?('redis_version')]
out 'info keyspace', r.info('keyspace').transform_values { |v| v.split(',').first(2) }
out 'info commandstats', r.info(:commandstats)['flushall'].keys.sort
out 'dbsize', r.dbsize

# --- CLIENT SETNAME / LIST parsing
named = conn(id: 'rb-named')
out 'client getname', named.call('CLIENT', 'GETNAME')
out 'client setname', r.call('CLIENT', 'SETNAME', 'rb-main')
list = r.call('CLIENT', 'LIST').lines.map { |line| line.split(' ').to_h { |kv| kv.split('=', 2) } }
out 'client list names', list.map { |c| c['name'] }.reject { |n| n.nil? || n.empty? }.sort
me = list.find { |c| c['name'] == 'rb-main' }
out 'client list fields', [me.keys.sort, me['db'], me['cmd'], me['flags']]
out 'client kill', r.call('CLIENT', 'KILL', 'ID', named.call('CLIENT', 'ID'))
err('client setname with a space') { r.call('CLIENT', 'SETNAME', 'bad name') }

# --- misc
out 'echo/ping', [r.echo('hi'), r.ping]
out 'config get/set', [r.config(:get, 'maxmemory-policy'), r.config(:set, 'maxmemory-policy', 'allkeys-lru'),
                       r.config(:get, 'maxmemory-policy')]
err('config set bad') { r.config(:set, 'maxmemory-policy', 'nope') }
db2 = conn(db: 2)
out 'select/swapdb', [db2.set('db2key', 1), r.swapdb(0, 2), r.exists('db2key')]
r.set('k:dump', 'payload')
out 'dump/restore/copy', [r.restore('k:rest', 0, r.dump('k:dump')), r.get('k:rest'), r.copy('k:dump', 'k:copy')]
out 'time', r.time.map(&:class)
out 'flushdb', r.flushdb
puts 'done'
