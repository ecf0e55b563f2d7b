// The dispatcher's side of access control (acl.h): the users by handle, the
// per-command facts the checks need, the check itself with its ACL LOG
// event, the command lookup ACL DRYRUN and scripts use, and rename-command.
#include <cstring>

#include "server/server.h"

namespace tachyon {

extern const CommandSpec kCommandSpecs[];
extern const size_t kCommandSpecCount;

void Server::BuildAclInfo() {
  acl_info_.resize(kCommandSpecCount);
  for (size_t i = 0; i < kCommandSpecCount; i++) {
    const CommandSpec& spec = kCommandSpecs[i];
    acl_info_[i] = AclCommandInfoFor(static_cast<uint32_t>(i), spec.name, spec.container != nullptr,
                                     (spec.flags & CMD_NO_AUTH) != 0);
  }
  // Handle 0: internal, unrestricted; handle 1: the default user (+@all ~* &* until TypeScript says otherwise).
  acl_users_.clear();
  acl_users_.push_back(std::make_unique<AclUser>());
  acl_users_.push_back(std::make_unique<AclUser>());
}

AclUser* Server::acl_user(int handle) {
  if (handle < 0) return nullptr;
  while (static_cast<size_t>(handle) >= acl_users_.size()) acl_users_.push_back(std::make_unique<AclUser>());
  return acl_users_[handle].get();
}

uint32_t Server::command_id(const CommandEntry* cmd) const {
  return static_cast<uint32_t>(cmd->spec - kCommandSpecs);
}

int Server::DryRunAcl(const AclUser& user, const CommandEntry* cmd, const std::vector<std::string_view>& argv,
                      int* errpos) {
  *errpos = 0;
  if (user.unrestricted) return kAclOk;
  return AclCheck(user, acl_info_[command_id(cmd)], argv.data(), static_cast<int>(argv.size()), errpos, &acl_keys_);
}

int Server::CheckAcl(Client& c, const AclUser& user, const CommandEntry* cmd,
                     const std::vector<std::string_view>& argv, const char* context, int* errpos) {
  int r = DryRunAcl(user, cmd, argv, errpos);
  if (r == kAclOk) return r;
  // The ACL LOG entry: the command's full name, or the key or channel refused.
  std::string_view object = r == kAclDeniedCmd ? std::string_view(cmd->spec->name) : argv[*errpos];
  QueueEvent(EventKind::kAclDenied, r, c.id, context, object);
  return r;
}

CommandEntry* Server::FindCommand(const std::vector<std::string_view>& argv) {
  if (argv.empty()) return nullptr;
  std::string name(argv[0]);
  for (char& ch : name) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
  auto it = commands_.find(name);
  if (it == commands_.end() || it->first[0] == '|') return nullptr;
  CommandEntry* cmd = it->second.get();
  if (cmd->is_container && argv.size() >= 2) {
    std::string sub(argv[1]);
    for (char& ch : sub) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
    auto s = cmd->subcommands.find(sub);
    return s == cmd->subcommands.end() ? nullptr : s->second;
  }
  return cmd;
}

bool Server::RenameCommand(const std::string& from, const std::string& to, std::string* error) {
  std::string f = from, t = to;
  for (char& ch : f) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
  for (char& ch : t) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
  auto it = commands_.find(f);
  if (f.empty() || it == commands_.end() || f[0] == '|') {
    error->assign("No such command in rename-command");
    return false;
  }
  if (!t.empty() && commands_.count(t)) {
    error->assign("Target command name already exists");
    return false;
  }
  std::unique_ptr<CommandEntry> entry = std::move(it->second);
  commands_.erase(it);
  // A removed command stays owned under a hidden key (its subcommands point into it).
  commands_[t.empty() ? "|renamed|" + f : t] = std::move(entry);
  commands_version_++;
  return true;
}

}  // namespace tachyon
