// DEBUG DIGEST's dataset signature: see digest.h for the scheme.
#include "server/digest.h"

#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/sha1.h"
#include "core/util.h"
#include "server/hash_value.h"
#include "server/list_value.h"
#include "server/server.h"
#include "server/set_value.h"
#include "server/stream_value.h"
#include "server/zset_value.h"

namespace tachyon {

namespace {

// digest ^= SHA1(data): order-independent accumulation.
void XorDigest(uint8_t digest[20], const void* data, size_t len) {
  uint8_t h[20];
  Sha1(data, len, h);
  for (int i = 0; i < 20; i++) digest[i] ^= h[i];
}

void XorDigest(uint8_t digest[20], std::string_view s) { XorDigest(digest, s.data(), s.size()); }

// digest = SHA1(digest ^ SHA1(data)): order-dependent accumulation.
void MixDigest(uint8_t digest[20], const void* data, size_t len) {
  XorDigest(digest, data, len);
  uint8_t h[20];
  Sha1(digest, 20, h);
  memcpy(digest, h, 20);
}

void MixDigest(uint8_t digest[20], std::string_view s) { MixDigest(digest, s.data(), s.size()); }

void MixBigEndian32(uint8_t digest[20], uint32_t v) {
  const uint8_t be[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                         static_cast<uint8_t>(v)};
  MixDigest(digest, be, sizeof be);
}

// One sorted-set member: mix(member) then mix(score as %.17g), XORed in.
void XorScoredMember(uint8_t digest[20], std::string_view member, double score) {
  uint8_t ele[20] = {0};
  MixDigest(ele, member);
  char buf[128];
  int n = snprintf(buf, sizeof buf, "%.17g", score);
  MixDigest(ele, buf, static_cast<size_t>(n));
  XorDigest(digest, ele, 20);
}

void StringDigest(const Entry* e, uint8_t digest[20]) {
  if (e->is_int()) {
    char buf[kLongStrSize];
    MixDigest(digest, buf, static_cast<size_t>(Ll2String(buf, sizeof buf, e->int_value())));
  } else {
    MixDigest(digest, e->str());
  }
}

void ListDigest(const ListValue& list, uint8_t digest[20]) {
  // The iterator API is not const; walking it does not modify the list.
  Quicklist& ql = const_cast<ListValue&>(list).quicklist();
  Quicklist::Iterator it = ql.GetIteratorAtIndex(true, 0);
  QlEntry e;
  char buf[kLongStrSize];
  while (it.Next(&e)) MixDigest(digest, e.value.View(buf));
}

void ZSetDigest(const ZSetValue& z, uint8_t digest[20]) {
  char buf[kLongStrSize];
  for (ZIter it = z.First(); z.Valid(it); z.Next(&it)) XorScoredMember(digest, z.Member(it, buf), z.ScoreAt(it));
}

void HashDigest(HashValue& h, uint8_t digest[20]) {
  h.ForEach([&](std::string_view field, std::string_view value) {
    uint8_t ele[20] = {0};
    MixDigest(ele, field);
    MixDigest(ele, value);
    XorDigest(digest, ele, 20);
  });
}

// Entries in id order: mix("<ms>.<seq>"), then each field and value.
// Consumer groups are not part of the digest, as in Redis.
void StreamDigest(const StreamValue& s, uint8_t digest[20]) {
  StreamIterator it(s, StreamId{0, 0}, StreamId{UINT64_MAX, UINT64_MAX}, false);
  char buf[64];
  char fbuf[kLongStrSize], vbuf[kLongStrSize];
  while (it.Next()) {
    int n = snprintf(buf, sizeof buf, "%llu.%llu", static_cast<unsigned long long>(it.id().ms),
                     static_cast<unsigned long long>(it.id().seq));
    MixDigest(digest, buf, static_cast<size_t>(n));
    stream_node::FieldCursor fields = it.Fields();
    for (int64_t i = 0; i < it.num_fields(); i++) {
      LpValue f, v;
      fields.Next(&f, &v);
      MixDigest(digest, f.View(fbuf));
      MixDigest(digest, v.View(vbuf));
    }
  }
}

}  // namespace

void ObjectDigest(Db& db, const Entry* e, uint8_t digest[20]) {
  MixBigEndian32(digest, e->type);
  switch (e->type) {
    case kString: StringDigest(e, digest); break;
    case kList: ListDigest(*e->as<ListValue>(), digest); break;
    case kSet:
      e->as<SetValue>()->ForEach([&](std::string_view m) { XorDigest(digest, m); });
      break;
    case kZSet: ZSetDigest(*e->as<ZSetValue>(), digest); break;
    case kHash: HashDigest(*e->as<HashValue>(), digest); break;
    case kStream: StreamDigest(*e->as<StreamValue>(), digest); break;
    default: break;
  }
  if (db.GetExpire(e) != -1) XorDigest(digest, "!!expire!!", 10);
}

void DatasetDigest(Server& server, uint8_t out[20]) {
  memset(out, 0, 20);
  for (int j = 0; j < server.db_count(); j++) {
    Db& db = server.db(j);
    if (db.size() == 0) continue;
    MixBigEndian32(out, static_cast<uint32_t>(j));
    db.keys().ForEach([&](Entry* e) {
      uint8_t d[20] = {0};
      MixDigest(d, e->key());
      ObjectDigest(db, e, d);
      XorDigest(out, d, 20);
    });
  }
}

}  // namespace tachyon
