// Key extraction from key specs (see key_specs.h), as Redis 7.0's
// getKeysUsingKeySpecs and the key-finding functions of SET, BITFIELD,
// SORT/SORT_RO and MIGRATE.
#include "server/key_specs.h"

#include <cctype>

#include "core/util.h"

namespace tachyon {

namespace {

bool EqualsNoCase(std::string_view a, const char* b) {
  size_t i = 0;
  for (; i < a.size() && b[i]; i++) {
    if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return i == a.size() && b[i] == 0;
}

// getKeysUsingKeySpecs: false when a spec cannot be applied (unknown, an
// argument out of range, a bad key count, or an incomplete spec): the
// caller then falls back to the command's own function.
bool KeysFromSpecs(const CommandKeyInfo& info, const std::string_view* argv, int argc, std::vector<KeyRef>* out) {
  for (int s = 0; s < info.count; s++) {
    const KeySpecRow& ks = kKeySpecRows[info.first + s];
    if (ks.flags & KEY_NOT_KEY) continue;
    int first = 0;
    if (ks.search == KeySearch::kIndex) {
      first = ks.search_pos;
    } else if (ks.search == KeySearch::kKeyword) {
      int from = ks.search_pos;
      int start = from > 0 ? from : argc + from;
      int end = from > 0 ? argc - 1 : 1;
      for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (EqualsNoCase(argv[i], ks.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;  // keyword absent: this spec names no key
    } else {
      return false;
    }
    int last, step;
    if (ks.find == KeyFind::kRange) {
      step = ks.b;
      if (ks.a >= 0) last = first + ks.a;
      else if (!ks.c) last = argc + ks.a;
      else last = first + ((argc - first) / ks.c + ks.a);
    } else if (ks.find == KeyFind::kKeynum) {
      step = ks.c;
      int idx = first + ks.a;
      if (idx >= argc) return false;
      long long numkeys;
      if (!String2ll(argv[idx], &numkeys) || numkeys < 0 || numkeys > argc) return false;
      first += ks.b;
      last = first + static_cast<int>(numkeys) - 1;
    } else {
      return false;
    }
    if (last >= argc || last < first || first >= argc) return false;
    if (step < 1) step = 1;
    for (int i = first; i <= last; i += step) out->push_back({i, ks.flags});
    if (ks.flags & KEY_INCOMPLETE) return false;
  }
  return true;
}

// setGetKeys: SET reads the old value when it has GET.
void SetKeys(const std::string_view* argv, int argc, std::vector<KeyRef>* out) {
  for (int i = 3; i < argc; i++) {
    if (EqualsNoCase(argv[i], "get")) {
      out->push_back({1, KEY_RW | KEY_ACCESS | KEY_UPDATE});
      return;
    }
  }
  out->push_back({1, KEY_OW | KEY_UPDATE});
}

// bitfieldGetKeys: read-only when it only has GETs (and OVERFLOWs).
void BitfieldKeys(const std::string_view* argv, int argc, std::vector<KeyRef>* out) {
  bool readonly = true;
  for (int i = 2; i < argc; i++) {
    int left = argc - i - 1;
    if (EqualsNoCase(argv[i], "get") && left >= 2) {
      i += 2;
    } else if (EqualsNoCase(argv[i], "overflow") && left >= 1) {
      i += 1;
    } else {
      readonly = false;
      break;
    }
  }
  out->push_back({1, readonly ? (KEY_RO | KEY_ACCESS) : (KEY_RW | KEY_ACCESS | KEY_UPDATE)});
}

// sortGetKeys: the sorted key, and the STORE destination (the last one wins).
void SortKeys(const std::string_view* argv, int argc, bool ro, std::vector<KeyRef>* out) {
  out->push_back({1, KEY_RO | KEY_ACCESS});
  if (ro) return;
  int store = 0;
  for (int i = 2; i < argc; i++) {
    if (EqualsNoCase(argv[i], "limit")) i += 2;
    else if (EqualsNoCase(argv[i], "get") || EqualsNoCase(argv[i], "by")) i += 1;
    else if (EqualsNoCase(argv[i], "store") && i + 1 < argc) store = ++i;
  }
  if (store) out->push_back({store, KEY_OW | KEY_UPDATE});
}

// migrateGetKeys: the key argument, or the keys after KEYS when it is "".
void MigrateKeys(const std::string_view* argv, int argc, std::vector<KeyRef>* out) {
  const uint32_t flags = KEY_RW | KEY_ACCESS | KEY_DELETE;
  int first = 3, num = 1;
  for (int i = 6; i < argc; i++) {
    if (EqualsNoCase(argv[i], "auth2")) {
      i += 2;
    } else if (EqualsNoCase(argv[i], "auth")) {
      i += 1;
    } else if (EqualsNoCase(argv[i], "keys")) {
      if (!argv[3].empty()) return;
      first = i + 1;
      num = argc - first;
      break;
    }
  }
  for (int i = 0; i < num; i++) out->push_back({first + i, flags});
}

}  // namespace

bool CommandHasKeys(uint32_t id) {
  if (id >= kCommandKeyInfoCount) return false;
  const CommandKeyInfo& info = kCommandKeyInfo[id];
  if (info.getkeys != GetKeys::kNone) return true;
  for (int s = 0; s < info.count; s++) {
    if (!(kKeySpecRows[info.first + s].flags & KEY_NOT_KEY)) return true;
  }
  return false;
}

void GetCommandKeys(uint32_t id, const std::string_view* argv, int argc, std::vector<KeyRef>* out) {
  out->clear();
  if (id >= kCommandKeyInfoCount) return;
  const CommandKeyInfo& info = kCommandKeyInfo[id];
  bool varflags = false;
  for (int s = 0; s < info.count; s++) varflags |= (kKeySpecRows[info.first + s].flags & KEY_VARIABLE_FLAGS) != 0;
  if (!varflags) {
    if (KeysFromSpecs(info, argv, argc, out)) return;
    out->clear();
  }
  switch (info.getkeys) {
    case GetKeys::kSet: return SetKeys(argv, argc, out);
    case GetKeys::kBitfield: return BitfieldKeys(argv, argc, out);
    case GetKeys::kSort: return SortKeys(argv, argc, false, out);
    case GetKeys::kSortRo: return SortKeys(argv, argc, true, out);
    case GetKeys::kMigrate: return MigrateKeys(argv, argc, out);
    case GetKeys::kNone:
    case GetKeys::kOther:
      return;  // these agree with their specs where those apply, and find nothing otherwise
  }
}

}  // namespace tachyon
