// migrate(op, ...args): the keyspace operations and the blocking exchange
// src/commands/migrate.ts calls.
#pragma once

#include <napi.h>

namespace tachyon {

class Server;

Napi::Value MigrateCall(Server& server, const Napi::CallbackInfo& info);

}  // namespace tachyon
