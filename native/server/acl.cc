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

// A non-empty key against one pattern, by its kind (see AclMatch).
inline bool KeyMatches(const AclKeyPattern& p, std::string_view key) {
  const std::string& lit = p.literal;
  switch (p.match) {
    case AclMatch::kLiteral:
      return key == lit;
    case AclMatch::kPrefix:
      return key.size() >= lit.size() && memcmp(key.data(), lit.data(), lit.size()) == 0;
    case AclMatch::kSuffix:
      return key.size() >= lit.size() && memcmp(key.data() + key.size() - lit.size(), lit.data(), lit.size()) == 0;
    case AclMatch::kContains:
      return key.find(lit) != std::string_view::npos;
    case AclMatch::kGlob:
      return GlobMatch(p.pattern, key);
  }
  return false;
}

// ACLSelectorCheckKey: a key is allowed by a pattern that has every
// permission the key's use needs (ACCESS reads; INSERT, DELETE and UPDATE write).
bool SelectorAllowsKey(const AclSelector& s, std::string_view key, uint32_t keyspec_flags) {
  if (s.flags & kAclAllKeys) return true;
  uint8_t need = 0;
  if (keyspec_flags & KEY_ACCESS) need |= kAclKeyRead;
  if (keyspec_flags & (KEY_INSERT | KEY_DELETE | KEY_UPDATE)) need |= kAclKeyWrite;
  int first = key.empty() ? -2 : static_cast<unsigned char>(key[0]);
  if (!s.keys_by_first.empty() && first >= 0) {
    // Many patterns: only those that can match a key starting with this byte.
    for (const std::vector<uint16_t>* list : {&s.keys_by_first[first], &s.keys_wild}) {
      for (uint16_t i : *list) {
        const AclKeyPattern& p = s.keys[i];
        if ((p.perms & need) == need && KeyMatches(p, key)) return true;
      }
    }
    return false;
  }
  for (const AclKeyPattern& p : s.keys) {
    if ((p.perms & need) != need) continue;
    if (p.first >= 0 && p.first != first) continue;
    // Redis's stringmatchlen matches nothing but "" against an empty key (not even "*").
    if (key.empty()) {
      if (p.pattern.empty()) return true;
      continue;
    }
    if (KeyMatches(p, key)) return true;
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
  if (!(s.flags & kAclAllKeys) && cmd.single_key && cmd.single_key < argc) {
    if (!SelectorAllowsKey(s, argv[cmd.single_key], cmd.single_key_flags)) {
      *errpos = cmd.single_key;
      return kAclDeniedKey;
    }
  } else if (!(s.flags & kAclAllKeys) && cmd.has_keys) {
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

AclCommandInfo AclCommandInfoFor(uint32_t id, const char* name, bool is_sub, bool no_auth) {
  AclCommandInfo info;
  info.id = id;
  info.is_sub = is_sub;
  info.no_auth = no_auth;
  info.has_keys = CommandHasKeys(id);
  if (!strcmp(name, "publish") || !strcmp(name, "spublish")) info.channels = AclChannels::kFirst;
  else if (!strcmp(name, "subscribe") || !strcmp(name, "ssubscribe")) info.channels = AclChannels::kAll;
  else if (!strcmp(name, "psubscribe")) info.channels = AclChannels::kAllLiteral;
  if (id < kCommandKeyInfoCount) {
    const CommandKeyInfo& k = kCommandKeyInfo[id];
    const KeySpecRow& row = kKeySpecRows[k.first];
    if (k.count == 1 && k.getkeys == GetKeys::kNone && row.search == KeySearch::kIndex &&
        row.find == KeyFind::kRange && row.a == 0 && !(row.flags & (KEY_NOT_KEY | KEY_INCOMPLETE | KEY_VARIABLE_FLAGS))) {
      info.single_key = row.search_pos;
      info.single_key_flags = row.flags;
    }
  }
  return info;
}

void AclUser::Compile() {
  unrestricted = false;
  for (AclSelector& s : selectors) {
    const uint32_t all = kAclAllKeys | kAclAllChannels | kAclAllCommands;
    if ((s.flags & all) == all) unrestricted = true;
    s.keys_by_first.clear();
    s.keys_wild.clear();
    if (s.keys.size() >= 8 && s.keys.size() < 65536) {
      s.keys_by_first.resize(256);
      for (size_t i = 0; i < s.keys.size(); i++) {
        const std::string& t = s.keys[i].pattern;
        bool wild = t.empty() || IsGlobSpecial(t[0]);
        (wild ? s.keys_wild : s.keys_by_first[static_cast<unsigned char>(t[0])]).push_back(static_cast<uint16_t>(i));
      }
    }
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
