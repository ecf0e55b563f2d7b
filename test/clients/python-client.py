#!/usr/bin/python3
"""
Everyday redis-py usage against one server, printing a deterministic
transcript (test/clients/python.test.ts runs it against redis-server 7.0 and
against Tachyon and compares the two transcripts exactly).

Usage: python-client.py PORT
Nothing printed may depend on time, ids or ordering the server does not fix:
sets and hashes are sorted before printing, stream ids are explicit.
"""
import sys
import threading
import time

import redis

PORT = int(sys.argv[1])


def out(label, value):
    print(f"{label}: {value!r}")


def conn(**kw):
    return redis.Redis(host="127.0.0.1", port=PORT, **kw)


r = conn()
rd = conn(decode_responses=True)
r.flushall()

# --- strings with expiry
out("set ex", r.set("s:1", "hello", ex=100))
out("ttl in range", 0 < r.ttl("s:1") <= 100)
out("set nx existing", r.set("s:1", "x", nx=True))
out("set xx get", r.set("s:1", "world", xx=True, get=True))
out("get", r.get("s:1"))
out("psetex/pttl", (r.psetex("s:2", 50000, "v"), 0 < r.pttl("s:2") <= 50000))
out("incr/incrby/incrbyfloat", (r.incr("n"), r.incrby("n", 10), r.incrbyfloat("n", 1.5)))
out("mset/mget", (r.mset({"a": "1", "b": "2"}), r.mget("a", "b", "missing")))
out("getex persist", (r.getex("s:1", persist=True), r.ttl("s:1")))
out("append/strlen/getrange", (r.append("a", "23"), r.strlen("a"), r.getrange("a", 1, 2)))
out("setrange", (r.setrange("a", 1, "XY"), r.get("a")))
out("expire/persist", (r.expire("a", 10), r.persist("a"), r.ttl("a")))
out("exists/type", (r.exists("a", "b", "nope"), r.type("a"), r.type("nope")))
out("object encoding", (r.object("encoding", "n"), r.object("encoding", "a")))
out("rename/delete", (r.rename("b", "b2"), r.delete("b2", "nope")))
out("setbit/bitcount", (r.setbit("bits", 7, 1), r.bitcount("bits"), r.getbit("bits", 7)))

# --- error replies mapped to exception classes
def err(label, fn):
    try:
        out(label, fn())
    except redis.exceptions.RedisError as e:
        out(label, (type(e).__name__, str(e)))


r.set("str", "abc")
err("wrongtype", lambda: r.lpush("str", "x"))
err("not an integer", lambda: r.incr("str"))
err("unknown command", lambda: r.execute_command("NOSUCHCMD", "x"))
err("wrong arity", lambda: r.execute_command("GET"))
err("syntax", lambda: r.execute_command("SET", "k", "v", "BADOPT"))
err("response error class", lambda: r.execute_command("EXPIRE", "k", "notanumber"))
err("no script", lambda: r.evalsha("0" * 40, 0))
err("script error", lambda: r.eval("return redis.call('nosuch')", 0))
err("busygroup", lambda: (r.xgroup_create("gstream", "g", id="0", mkstream=True),
                          r.xgroup_create("gstream", "g", id="0")))

# --- pipelines and transactions
p = r.pipeline(transaction=False)
p.set("p:1", 1).incr("p:1").get("p:1").lpush("str", "x").get("p:1")
out("pipeline raise_on_error=False", [repr(x) if isinstance(x, Exception) else x
                                      for x in p.execute(raise_on_error=False)])
p = r.pipeline(transaction=True)
p.set("t:1", "a").append("t:1", "b").get("t:1")
out("multi/exec", p.execute())
p = r.pipeline(transaction=True)
p.set("t:2", "a").lpush("t:2", "b").get("t:2")
try:
    out("multi/exec with a failing command", p.execute())
except redis.exceptions.ResponseError as e:
    out("multi/exec with a failing command", (type(e).__name__, str(e)))
p = r.pipeline(transaction=True)
p.set("t:3", "a")
p.execute_command("INCRBY", "t:3")
try:
    p.execute()
except redis.exceptions.RedisError as e:
    out("exec abort", (type(e).__name__, str(e)))
out("exec abort applied nothing", r.exists("t:3"))

# WATCH with a retry: a second connection changes the key after the first WATCH.
r.set("balance", 100)
other = conn()
attempts = 0
with r.pipeline() as wp:
    while True:
        try:
            attempts += 1
            wp.watch("balance")
            cur = int(wp.get("balance"))
            if attempts == 1:
                other.incrby("balance", 5)
            wp.multi()
            wp.set("balance", cur - 30)
            out("watch exec", wp.execute())
            break
        except redis.WatchError:
            out("watch conflict on attempt", attempts)
            continue
out("watch final", (attempts, r.get("balance")))


def transact_fn(pipe):
    v = int(pipe.get("counter") or 0)
    pipe.multi()
    pipe.set("counter", v + 1)


out("transaction helper", r.transaction(transact_fn, "counter"))
out("counter", r.get("counter"))

# --- lists
out("rpush/lpush", (r.rpush("l", "a", "b", "c"), r.lpush("l", "z")))
out("lrange", r.lrange("l", 0, -1))
out("linsert/lindex/llen", (r.linsert("l", "before", "b", "ab"), r.lindex("l", 2), r.llen("l")))
out("lpos/lrem/ltrim", (r.lpos("l", "c"), r.lrem("l", 1, "ab"), r.ltrim("l", 0, 2), r.lrange("l", 0, -1)))
out("lmove/lpop count", (r.lmove("l", "l2", "LEFT", "RIGHT"), r.lpop("l", 5), r.lpop("l")))
err("lset no such key", lambda: r.lset("nolist", 0, "x"))

# --- hashes
out("hset mapping", r.hset("h", mapping={"f1": "v1", "f2": "2", "f3": "v3"}))
out("hgetall", sorted(rd.hgetall("h").items()))
out("hincrby/hincrbyfloat", (r.hincrby("h", "f2", 3), r.hincrbyfloat("h", "f2", 0.5)))
out("hmget/hexists/hlen", (r.hmget("h", "f1", "nope"), r.hexists("h", "f3"), r.hlen("h")))
out("hsetnx/hdel/hstrlen", (r.hsetnx("h", "f1", "x"), r.hdel("h", "f3", "nope"), r.hstrlen("h", "f1")))
out("hkeys/hvals", (sorted(rd.hkeys("h")), sorted(rd.hvals("h"))))
err("hincrby on a non-integer", lambda: r.hincrby("h", "f1", 1))

# --- sets
out("sadd", r.sadd("s", "a", "b", "c", "d"))
out("sadd other", r.sadd("s2", "c", "d", "e"))
out("smembers", sorted(rd.smembers("s")))
out("sinter/sunion/sdiff", (sorted(rd.sinter("s", "s2")), sorted(rd.sunion("s", "s2")), sorted(rd.sdiff("s", "s2"))))
out("sismember/smismember/scard", (r.sismember("s", "a"), r.smismember("s", ["a", "x"]), r.scard("s")))
out("srem/smove", (r.srem("s", "a"), r.smove("s", "s2", "b"), sorted(rd.smembers("s2"))))
out("sinterstore/sintercard", (r.sinterstore("s3", ["s", "s2"]), r.execute_command("SINTERCARD", 2, "s", "s2")))
r.sadd("ints", *range(10))
out("intset encoding", r.object("encoding", "ints"))

# --- sorted sets
out("zadd", r.zadd("z", {"a": 1, "b": 2, "c": 3.5, "d": -1}))
out("zadd nx/xx/gt/ch", (r.zadd("z", {"a": 5}, nx=True), r.zadd("z", {"a": 5, "e": 1}, xx=True, ch=True),
                          r.zadd("z", {"b": 1}, gt=True, ch=True)))
out("zrange withscores", rd.zrange("z", 0, -1, withscores=True))
out("zrevrange", rd.zrevrange("z", 0, 1, withscores=True))
out("zrangebyscore", rd.zrangebyscore("z", 0, "+inf", withscores=True, start=0, num=2))
out("zrange byscore rev", rd.zrange("z", "+inf", 2, byscore=True, desc=True))
out("zscore/zrank/zrevrank/zcard", (r.zscore("z", "c"), r.zrank("z", "c"), r.zrevrank("z", "c"), r.zcard("z")))
out("zincrby/zcount/zlexcount", (r.zincrby("z", 2, "d"), r.zcount("z", 1, 3), r.zlexcount("z", "-", "+")))
out("zpopmin/zpopmax", (rd.zpopmin("z"), rd.zpopmax("z", 2)))
out("zmscore", r.zmscore("z", ["b", "nope"]))
r.zadd("zz", {"b": 10, "x": 1})
out("zunionstore/zinterstore", (r.zunionstore("zu", ["z", "zz"]), rd.zrange("zu", 0, -1, withscores=True),
                                r.zinterstore("zi", {"z": 2, "zz": 1}, aggregate="MAX"),
                                rd.zrange("zi", 0, -1, withscores=True)))
out("zrangestore/zrandmember count", (r.zrangestore("zs", "zu", 0, 1), len(r.zrandmember("zu", 2))))
err("zadd bad score", lambda: r.execute_command("ZADD", "z", "nan", "x"))
err("zadd incr with several", lambda: r.execute_command("ZADD", "z", "INCR", 1, "a", 2, "b"))

# --- streams with consumer groups
out("xadd", [rd.xadd("st", {"f": i, "g": "x"}, id=f"1-{i}") for i in range(1, 6)])
out("xadd maxlen", rd.xadd("st", {"f": 6}, id="2-0", maxlen=5, approximate=False))
out("xlen/xrange", (r.xlen("st"), rd.xrange("st", "-", "+", count=2)))
out("xrevrange", rd.xrevrange("st", "+", "-", count=1))
out("xgroup create", r.xgroup_create("st", "grp", id="0"))
out("xreadgroup", rd.xreadgroup("grp", "c1", {"st": ">"}, count=2))
out("xreadgroup c2", rd.xreadgroup("grp", "c2", {"st": ">"}, count=1))
out("xack", r.xack("st", "grp", "1-2"))
pending = rd.xpending("st", "grp")
out("xpending summary", pending)
out("xpending range", [(e["message_id"], e["consumer"], e["times_delivered"])
                       for e in rd.xpending_range("st", "grp", "-", "+", 10)])
out("xclaim justid", rd.xclaim("st", "grp", "c2", 0, ["1-1"], justid=True))
out("xautoclaim", rd.xautoclaim("st", "grp", "c3", 0, "0-0", count=10, justid=True))
groups = rd.xinfo_groups("st")
out("xinfo groups", [(g["name"], g["consumers"], g["pending"], g["last-delivered-id"]) for g in groups])
consumers = rd.xinfo_consumers("st", "grp")
out("xinfo consumers", sorted((c["name"], c["pending"]) for c in consumers))
info = rd.xinfo_stream("st")
out("xinfo stream", (info["length"], info["first-entry"], info["last-entry"], info["last-generated-id"], info["groups"]))
out("xtrim/xdel", (r.xtrim("st", minid="1-4"), r.xdel("st", "1-5"), r.xlen("st")))
out("xread", rd.xread({"st": "0"}, count=1))
err("xadd id too small", lambda: r.xadd("st", {"f": 1}, id="1-1"))
err("xreadgroup nogroup", lambda: r.xreadgroup("nogrp", "c", {"st": ">"}))

# --- SCAN iterators
for i in range(30):
    r.set(f"scan:{i}", i)
r.hset("bighash", mapping={f"f{i}": i for i in range(200)})
r.zadd("bigz", {f"m{i}": i for i in range(200)})
r.sadd("bigset", *[f"m{i}" for i in range(200)])
out("scan_iter match", sorted(rd.scan_iter(match="scan:1*", count=7)))
out("scan_iter type", sorted(rd.scan_iter(_type="zset")))
out("hscan_iter", len(list(rd.hscan_iter("bighash", match="f1*"))))
out("zscan_iter", sorted(rd.zscan_iter("bigz", match="m19*"), key=lambda x: x[1]))
out("sscan_iter", sorted(rd.sscan_iter("bigset", match="m2?")))
out("small hscan", sorted(rd.hscan_iter("h")))

# --- Lua scripts: register_script, EVALSHA with the NOSCRIPT fallback
incr_capped = r.register_script(
    "local v = redis.call('incr', KEYS[1]) "
    "if v > tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end "
    "return v")
out("script", [incr_capped(keys=["cap"], args=[2]) for _ in range(3)])
out("script exists", r.script_exists(incr_capped.sha))
out("script flush", r.script_flush())
out("script after flush (EVALSHA falls back to EVAL)", incr_capped(keys=["cap2"], args=[5]))
p = r.pipeline()
incr_capped(keys=["cap3"], args=[1], client=p)
incr_capped(keys=["cap3"], args=[1], client=p)
r.script_flush()
out("script in a pipeline after a flush", p.execute())
out("eval conversions", r.eval("return {1, 'two', 3.7, true, false, redis.call('ping')}", 0))
out("eval table status", r.eval("return redis.status_reply('FINE')", 0))
err("eval error_reply", lambda: r.eval("return redis.error_reply('MYERR custom')", 0))
out("script load + evalsha", r.evalsha(r.script_load("return ARGV[1]..KEYS[1]"), 1, "k", "v"))

# --- blocking pops with timeouts
out("blpop timeout", r.blpop(["empty1", "empty2"], timeout=0.1))
out("brpop ready", r.brpop(["empty1", "l2"], timeout=1))
out("bzpopmin timeout", r.bzpopmin("emptyz", timeout=0.1))
out("blmove timeout", r.blmove("empty1", "dst", 0.1))
pusher = conn()


def push_later():
    time.sleep(0.15)
    pusher.rpush("wake", "w1", "w2")


t = threading.Thread(target=push_later)
t.start()
out("blpop woken", r.blpop("wake", timeout=5))
t.join()
out("left after wake", r.lrange("wake", 0, -1))
out("xread block timeout", r.xread({"st": "$"}, block=100))

# --- pub/sub
sub = conn(decode_responses=True).pubsub()
sub.subscribe("chan:1", "chan:2")
sub.psubscribe("news.*")
events = []
deadline = time.time() + 5
while len(events) < 3 and time.time() < deadline:
    m = sub.get_message(timeout=1)
    if m:
        events.append((m["type"], m["channel"], m["pattern"], m["data"]))
out("subscribe confirmations", events)
out("publish counts", (r.publish("chan:1", "hi"), r.publish("news.tech", "n1"), r.publish("nobody", "x")))
out("pubsub channels", sorted(rd.pubsub_channels("chan:*")))
out("pubsub numsub/numpat", (rd.pubsub_numsub("chan:1", "nobody"), r.pubsub_numpat()))
received = []
deadline = time.time() + 5
while len(received) < 2 and time.time() < deadline:
    m = sub.get_message(timeout=1)
    if m:
        received.append((m["type"], m["channel"], m["pattern"], m["data"]))
out("messages", received)
sub.unsubscribe("chan:1")
sub.punsubscribe()
left = []
deadline = time.time() + 5
while len(left) < 2 and time.time() < deadline:
    m = sub.get_message(timeout=1)
    if m:
        left.append((m["type"], m["channel"], m["data"]))
out("unsubscribe confirmations", left)
got = []
r.publish("chan:2", "still")
deadline = time.time() + 5
while not got and time.time() < deadline:
    m = sub.get_message(timeout=1)
    if m:
        got.append((m["type"], m["channel"], m["data"]))
out("still subscribed", got)
sub.close()

# --- INFO parsing
info = rd.info()
out("info types", (type(info["redis_version"]).__name__, type(info["connected_clients"]).__name__,
                   type(info["used_memory"]).__name__, info["redis_mode"], info["role"]))
# avg_ttl counts down with the clock: keys and expires only.
out("info keyspace", {db: (v["keys"], v["expires"]) for db, v in rd.info("keyspace").items()})
out("info server fields", sorted(k for k in ("redis_version", "os", "arch_bits", "process_id", "tcp_port", "uptime_in_seconds",
                                              "executable", "config_file") if k in rd.info("server")))
out("info commandstats shape", sorted(rd.info("commandstats")["cmdstat_flushall"].keys()))
out("info persistence", {k: v for k, v in rd.info("persistence").items()
                         if k in ("loading", "aof_enabled", "rdb_bgsave_in_progress")})
out("dbsize", r.dbsize())

# --- CLIENT SETNAME / GETNAME / LIST parsing
named = conn(decode_responses=True, client_name="py-named")
out("client getname", named.client_getname())
out("client setname", rd.client_setname("py-main"))
lst = rd.client_list()
out("client list names", sorted(c["name"] for c in lst if c["name"]))
me = [c for c in lst if c["name"] == "py-main"][0]
out("client list fields", (sorted(me.keys()), me["db"], me["cmd"], me["flags"], me["sub"], me["psub"], me["multi"]))
out("client info", (lambda c: (c["name"], c["cmd"]))(rd.client_info()))
out("client list by id", [c["name"] for c in rd.client_list(client_id=[me["id"]])])
err("client setname with a space", lambda: rd.client_setname("bad name"))
out("client kill by id", rd.client_kill_filter(_id=int(named.client_id())))
named.close()

# --- misc server commands as clients use them
out("echo/ping", (r.echo("hi"), r.ping()))
out("config get", rd.config_get("maxmemory-policy"))
out("config set", (rd.config_set("maxmemory-policy", "allkeys-lru"), rd.config_get("maxmemory-policy")))
err("config set bad", lambda: rd.config_set("maxmemory-policy", "nope"))
out("select/swapdb", (conn(db=2).set("db2key", 1), r.swapdb(0, 2), r.exists("db2key")))
out("randomkey type", type(r.randomkey()).__name__)
r.set("s:1", "payload")
out("copy/dump/restore", (r.copy("s:1", "s:copy"), r.restore("s:rest", 0, r.dump("s:1")), r.get("s:rest")))
out("time shape", (lambda t: (type(t[0]).__name__, type(t[1]).__name__))(r.time()))
out("flushdb", r.flushdb())
r.close()
rd.close()
print("done")
