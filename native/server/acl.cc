// ACL checks (see acl.h): Redis 7.0's ACLSelectorCheckCmd per selector,
// with a key-pattern shortcut so that a user with many patterns pays one
// byte comparison for most of them.
#include "server/acl.h"

#include <algorithm>
#include <cstring>
#include <strings.h>

#include "core/glob.h"

namespace tachyon {

namespace {

bool IsGlobSpecial(char ch) { return ch == '*' || ch == '?' || ch == '[' || ch == '\\'; }

// ACLSelectorCheckKey: a key is allowed by a pattern that has every
// permission the key's use needs (ACCESS reads; INSERT, DELETE and UPDATE write).
bool SelectorAllowsKey(const AclSelector& s, std::string_view key, uint32_t keyspec_flags) {
  if (s.flags & kAclAllKeys) return true;
  uint8_t need = 0;
  if (keyspec_flags & KEY_ACCESS) need |= kAclKeyRead;
  if (keyspec_flags & (KEY_INSERT | KEY_DELETE | KEY_UPDATE)) need |= kAclKeyWrite;
  int first = key.empty() ? -2 : static_cast<unsigned char>(key[0]);
  for (const AclKeyPattern& p : s.keys) {
    if ((p.perms & need) != need) continue;
    if (p.first >= 0 && p.first != first) continue;
    // Redis's stringmatchlen matches nothing but "" against an empty key (not even "*").
    if (key.empty()) {
      if (p.pattern.empty()) return true;
      continue;
    }
    const std::string& lit = p.literal;
    switch (p.match) {
      case AclMatch::kLiteral:
        if (key == lit) return true;
        break;
      case AclMatch::kPrefix:
        if (key.size() >= lit.size() && memcmp(key.data(), lit.data(), lit.size()) == 0) return true;
        break;
      case AclMatch::kSuffix:
        if (key.size() >= lit.size() && memcmp(key.data() + key.size() - lit.size(), lit.data(), lit.size()) == 0) {
          return true;
        }
        break;
      case AclMatch::kContains:
        if (key.find(lit) != std::string_view::npos) return true;
        break;
      case AclMatch::kGlob:
        if (GlobMatch(p.pattern, key)) return true;
        break;
    }
  }
  return false;
}

// ACLCheckChannelAgainstList: literal (PSUBSCRIBE's patterns) or glob.
bool SelectorAllowsChannel(const AclSelector& s, std::string_view channel, bool literal) {
  for (const std::string& p : s.channels) {
    if (literal ? p == channel : GlobMatch(p, channel)) return true;
  }
  return false;
}

int CheckSelector(const AclSelector& s, const AclCommandInfo& cmd, const std::string_view* argv, int argc,
                  int* errpos, std::vector<KeyRef>* keys, bool* keys_ready) {
  if (!(s.flags & kAclAllCommands) && !cmd.no_auth && !s.CommandBit(cmd.id)) {
    // A denied command may still be allowed with a specific first argument (+select|0).
    if (argc < 2) return kAclDeniedCmd;
    auto it = s.firstargs.find(cmd.id);
    if (it == s.firstargs.end()) return kAclDeniedCmd;
    int idx = cmd.is_sub ? 2 : 1;
    if (idx >= argc) return kAclDeniedCmd;
    bool found = false;
    for (const std::string& a : it->second) {
      if (a.size() == argv[idx].size() && strncasecmp(a.data(), argv[idx].data(), a.size()) == 0) {
        found = true;
        break;
      }
    }
    if (!found) return kAclDeniedCmd;
  }
  if (!(s.flags & kAclAllKeys) && cmd.has_keys) {
    if (!*keys_ready) {
      GetCommandKeys(cmd.id, argv, argc, keys);
      *keys_ready = true;
    }
    for (const KeyRef& k : *keys) {
      if (!SelectorAllowsKey(s, argv[k.pos], k.flags)) {
        *errpos = k.pos;
        return kAclDeniedKey;
      }
    }
  }
  if (!(s.flags & kAclAllChannels) && cmd.channels != AclChannels::kNone) {
    int last = cmd.channels == AclChannels::kFirst ? std::min(argc - 1, 1) : argc - 1;
    bool literal = cmd.channels == AclChannels::kAllLiteral;
    for (int j = 1; j <= last; j++) {
      if (!SelectorAllowsChannel(s, argv[j], literal)) {
        *errpos = j;
        return kAclDeniedChannel;
      }
    }
  }
  return kAclOk;
}

}  // namespace

void AclUser::Compile() {
  unrestricted = false;
  for (AclSelector& s : selectors) {
    const uint32_t all = kAclAllKeys | kAclAllChannels | kAclAllCommands;
    if ((s.flags & all) == all) unrestricted = true;
    for (AclKeyPattern& p : s.keys) {
      const std::string& t = p.pattern;
      p.first = !t.empty() && !IsGlobSpecial(t[0]) ? static_cast<unsigned char>(t[0]) : -1;
      // Leading and trailing stars around bytes with no special meaning.
      size_t lead = t.size() > 0 && t[0] == '*' ? 1 : 0;
      size_t trail = t.size() > lead && t.back() == '*' ? 1 : 0;
      std::string_view mid(t.data() + lead, t.size() - lead - trail);
      bool plain = true;
      for (char ch : mid) plain = plain && !IsGlobSpecial(ch);
      p.literal.assign(mid);
      if (!plain) p.match = AclMatch::kGlob;
      else if (!lead && !trail) p.match = AclMatch::kLiteral;
      else if (!lead) p.match = AclMatch::kPrefix;
      else if (!trail) p.match = AclMatch::kSuffix;
      else p.match = AclMatch::kContains;
    }
  }
}

int AclCheck(const AclUser& user, const AclCommandInfo& cmd, const std::string_view* argv, int argc, int* errpos,
             std::vector<KeyRef>* keys) {
  if (user.unrestricted) return kAclOk;
  int relevant = kAclDeniedCmd;
  int last_idx = 0;
  bool keys_ready = false;
  for (const AclSelector& s : user.selectors) {
    int idx = 0;
    int r = CheckSelector(s, cmd, argv, argc, &idx, keys, &keys_ready);
    if (r == kAclOk) return kAclOk;
    // Report the most specific refusal: a channel over a key over the command, the latest argument first.
    if (r > relevant || (r == relevant && idx > last_idx)) {
      relevant = r;
      last_idx = idx;
    }
  }
  *errpos = last_idx;
  return relevant;
}

}  // namespace tachyon
