// migrate(op, ...args): the keyspace side of MIGRATE (server/migrate.h).
//
//   collect(db, keys: Buffer[])        -> [key, payload, expireAt][] of the keys that exist
//   delete(db, items: [key, payload, expireAt][])
//                                      -> boolean[]: deleted (still as dumped), then one DEL propagated
//   exchange(host: Buffer, port, timeoutMs, request: Buffer, replies)
//                                      -> {failed?: 'connect'|'write'|'read', timedOut, lines: Buffer[]}
//                                         the blocking exchange of MULTI/EXEC and scripts (blocking_exchange.h)
#include "binding/migrate_binding.h"

#include <string>
#include <vector>

#include "binding/blocking_exchange.h"
#include "server/migrate.h"
#include "server/server.h"

namespace tachyon {
namespace {

std::string BufferString(const Napi::Value& v) {
  auto b = v.As<Napi::Uint8Array>();
  return std::string(reinterpret_cast<const char*>(b.Data()), b.ByteLength());
}

Napi::Buffer<char> ToBuffer(Napi::Env env, const std::string& s) { return Napi::Buffer<char>::Copy(env, s.data(), s.size()); }

// The database argument, or -1 (a JavaScript exception is pending) when out of range.
int DbArg(Server& server, const Napi::CallbackInfo& info) {
  const int db = info[1].As<Napi::Number>().Int32Value();
  if (db >= 0 && db < server.db_count()) return db;
  Napi::RangeError::New(info.Env(), "db out of range").ThrowAsJavaScriptException();
  return -1;
}

}  // namespace

Napi::Value MigrateCall(Server& server, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string op = info[0].As<Napi::String>().Utf8Value();
  if (op == "exchange") {
    BlockingExchangeResult r =
        BlockingExchange(BufferString(info[1]), info[2].As<Napi::Number>().Int32Value(),
                         info[3].As<Napi::Number>().Int32Value(), BufferString(info[4]),
                         info[5].As<Napi::Number>().Int32Value());
    Napi::Object out = Napi::Object::New(env);
    if (*r.failed != '\0') out.Set("failed", Napi::String::New(env, r.failed));
    out.Set("timedOut", Napi::Boolean::New(env, r.timed_out));
    Napi::Array lines = Napi::Array::New(env, r.lines.size());
    for (uint32_t i = 0; i < r.lines.size(); i++) lines.Set(i, ToBuffer(env, r.lines[i]));
    out.Set("lines", lines);
    return out;
  }
  if (op == "collect") {
    const int db = DbArg(server, info);
    if (db < 0) return env.Undefined();
    Napi::Array arr = info[2].As<Napi::Array>();
    std::vector<std::string> keys;
    for (uint32_t i = 0; i < arr.Length(); i++) keys.push_back(BufferString(arr.Get(i)));
    std::vector<MigrateItem> items = MigrateCollect(server, db, keys);
    Napi::Array out = Napi::Array::New(env, items.size());
    for (uint32_t i = 0; i < items.size(); i++) {
      Napi::Array row = Napi::Array::New(env, 3);
      row.Set(0u, ToBuffer(env, items[i].key));
      row.Set(1u, ToBuffer(env, items[i].payload));
      row.Set(2u, Napi::Number::New(env, static_cast<double>(items[i].expire_at)));
      out.Set(i, row);
    }
    return out;
  }
  if (op == "delete") {
    const int db = DbArg(server, info);
    if (db < 0) return env.Undefined();
    Napi::Array arr = info[2].As<Napi::Array>();
    std::vector<MigrateItem> items;
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Array row = arr.Get(i).As<Napi::Array>();
      items.push_back({BufferString(row.Get(0u)), BufferString(row.Get(1u)),
                       static_cast<int64_t>(row.Get(2u).As<Napi::Number>().Int64Value())});
    }
    std::vector<bool> deleted = MigrateDelete(server, db, items);
    Napi::Array out = Napi::Array::New(env, deleted.size());
    for (uint32_t i = 0; i < deleted.size(); i++) out.Set(i, Napi::Boolean::New(env, deleted[i]));
    return out;
  }
  Napi::Error::New(env, "unknown migrate operation " + op).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace tachyon
