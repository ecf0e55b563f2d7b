// Node-API side of access control; see security_binding.h.
#include "binding/security_binding.h"

#include <string>
#include <vector>

namespace tachyon {

extern const CommandSpec kCommandSpecs[];
extern const size_t kCommandSpecCount;

namespace {

std::string BufferString(Napi::Value v) {
  auto b = v.As<Napi::Uint8Array>();
  return std::string(reinterpret_cast<const char*>(b.Data()), b.ByteLength());
}

AclSelector ParseSelector(Napi::Array a) {
  AclSelector s;
  s.flags = a.Get(0u).As<Napi::Number>().Uint32Value();
  auto bits = a.Get(1u).As<Napi::Uint8Array>();
  s.commands.assign((bits.ByteLength() + 7) / 8, 0);
  for (size_t i = 0; i < bits.ByteLength(); i++) s.commands[i / 8] |= static_cast<uint64_t>(bits.Data()[i]) << (8 * (i % 8));
  Napi::Array firstargs = a.Get(2u).As<Napi::Array>();
  for (uint32_t i = 0; i < firstargs.Length(); i++) {
    Napi::Array row = firstargs.Get(i).As<Napi::Array>();
    uint32_t id = row.Get(0u).As<Napi::Number>().Uint32Value();
    Napi::Array args = row.Get(1u).As<Napi::Array>();
    std::vector<std::string>& list = s.firstargs[id];
    for (uint32_t j = 0; j < args.Length(); j++) list.push_back(BufferString(args.Get(j)));
  }
  Napi::Array keys = a.Get(3u).As<Napi::Array>();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    Napi::Array row = keys.Get(i).As<Napi::Array>();
    AclKeyPattern p;
    p.pattern = BufferString(row.Get(0u));
    p.perms = static_cast<uint8_t>(row.Get(1u).As<Napi::Number>().Uint32Value());
    s.keys.push_back(std::move(p));
  }
  Napi::Array channels = a.Get(4u).As<Napi::Array>();
  for (uint32_t i = 0; i < channels.Length(); i++) s.channels.push_back(BufferString(channels.Get(i)));
  return s;
}

}  // namespace

Napi::Value SetAclUserJs(Server& server, const Napi::CallbackInfo& info) {
  AclUser* user = server.acl_user(info[0].As<Napi::Number>().Int32Value());
  if (!user) return info.Env().Undefined();
  AclUser compiled;
  if (info[1].IsArray()) {
    Napi::Array selectors = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < selectors.Length(); i++) compiled.selectors.push_back(ParseSelector(selectors.Get(i).As<Napi::Array>()));
  }
  compiled.Compile();
  *user = std::move(compiled);
  return info.Env().Undefined();
}

Napi::Value AclCheckJs(Server& server, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AclUser* user = server.acl_user(info[0].As<Napi::Number>().Int32Value());
  Napi::Array a = info[1].As<Napi::Array>();
  std::vector<std::string> storage;
  for (uint32_t i = 0; i < a.Length(); i++) storage.push_back(BufferString(a.Get(i)));
  std::vector<std::string_view> argv(storage.begin(), storage.end());
  CommandEntry* cmd = server.FindCommand(argv);
  if (!cmd || !user) return Napi::Number::New(env, -1);
  int pos = 0;
  int r = server.DryRunAcl(*user, cmd, argv, &pos);
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::Number::New(env, r));
  out.Set(1u, Napi::Number::New(env, pos));
  out.Set(2u, Napi::Number::New(env, server.command_id(cmd)));
  return out;
}

Napi::Value CommandNamesJs(Server& server, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, kCommandSpecCount);
  for (size_t i = 0; i < kCommandSpecCount; i++) out.Set(static_cast<uint32_t>(i), Napi::String::New(env, kCommandSpecs[i].name));
  return out;
}

Napi::Value RenameCommandJs(Server& server, const Napi::CallbackInfo& info) {
  std::string error;
  server.RenameCommand(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), &error);
  return Napi::String::New(info.Env(), error);
}

}  // namespace tachyon
