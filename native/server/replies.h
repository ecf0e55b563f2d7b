// Reply shapes several command families share: Redis's addReplyHelp and
// addReplySubcommandSyntaxError.
#pragma once

#include <initializer_list>
#include <string>

#include "server/command.h"

namespace tachyon {

// "<COMMAND> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", the
// lines, then the HELP entry, all as status replies.
inline void ReplyHelp(CommandContext& c, const char* command, std::initializer_list<const char*> lines) {
  c.reply.Array(lines.size() + 3);
  c.reply.Simple(std::string(command) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* l : lines) c.reply.Simple(l);
  c.reply.Simple("HELP");
  c.reply.Simple("    Prints this help.");
}

// "ERR unknown subcommand or wrong number of arguments for '<argv[1]>'. Try <COMMAND> HELP."
// (the argument is cut at 128 bytes and at its first NUL, as Redis's %.128s).
inline void SubcommandSyntaxError(CommandContext& c, const char* command) {
  std::string_view sub = c.arg(1);
  sub = sub.substr(0, std::min(sub.find('\0'), sub.size())).substr(0, 128);
  std::string msg = "ERR unknown subcommand or wrong number of arguments for '";
  msg.append(sub);
  msg += "'. Try ";
  msg += command;
  msg += " HELP.";
  c.reply.Error(msg);
}

}  // namespace tachyon
