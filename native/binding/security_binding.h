// The Node-API calls of access control (src/acl/ pushes compiled users,
// asks for dry runs, renames commands); NativeServer in addon.cc forwards
// to these so that file stays a list of methods.
#pragma once

#include <napi.h>

#include "server/server.h"

namespace tachyon {

// setAclUser(handle, selectors | null): the compiled permissions of a user
// (null: no permission at all). Each selector is [flags (AclSelectorFlag),
// commands (Uint8Array bitmap by command id, bit i%8 of byte i/8),
// firstargs ([id, Buffer[]][]), keys ([pattern: Buffer, perms: AclKeyPerm][]),
// channels (Buffer[])].
Napi::Value SetAclUserJs(Server& server, const Napi::CallbackInfo& info);

// aclCheck(handle, argv: Buffer[]): -1 when argv names no command (Redis's
// lookupCommand, renamed commands by their new names), else [AclResult,
// index of the refused argument, command id].
Napi::Value AclCheckJs(Server& server, const Napi::CallbackInfo& info);

// commandNames(): full names by command id (ACL bitmaps use these ids).
Napi::Value CommandNamesJs(Server& server, const Napi::CallbackInfo& info);

// renameCommand(from, to): '' on success, else Redis's config error text.
Napi::Value RenameCommandJs(Server& server, const Napi::CallbackInfo& info);

}  // namespace tachyon
