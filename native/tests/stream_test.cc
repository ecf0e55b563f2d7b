// Stream ids and stream nodes: id parsing and ordering as Redis's
// streamGenericParseIDOrReply, the 128-bit big-endian key form, node bytes
// identical to a redis-server 7.0.15 node (from a DUMP payload), walking
// entries both ways, deletion flags, a randomized model check, and
// validation of corrupt node bytes (never reading out of bounds under ASan).
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/listpack.h"
#include "core/stream_id.h"
#include "core/stream_listpack.h"
#include "tests/check.h"

using namespace tachyon;
namespace sn = tachyon::stream_node;

namespace {

StreamId Id(uint64_t ms, uint64_t seq) { return StreamId{ms, seq}; }

bool P(std::string_view s, StreamId* out, bool strict = true, uint64_t missing = 0) {
  return StreamId::Parse(s, strict, missing, out);
}

// The node Redis 7.0.15 holds after XADD s 1-1 a 1 b 2, 1-2 a 3 b 4, 2-1 c 5,
// 2-5 a 12345678901 b -7, XDEL s 1-2 (DUMP with rdbcompression no).
const unsigned char kRedisNode[] = {
    0x51, 0x00, 0x00, 0x00, 0x1f, 0x00, 0x03, 0x01, 0x01, 0x01, 0x02, 0x01, 0x81, 0x61, 0x02, 0x81, 0x62,
    0x02, 0x00, 0x01, 0x02, 0x01, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x05, 0x01, 0x03, 0x01,
    0x00, 0x01, 0x01, 0x01, 0x03, 0x01, 0x04, 0x01, 0x05, 0x01, 0x00, 0x01, 0x01, 0x01, 0x00, 0x01, 0x01,
    0x01, 0x81, 0x63, 0x02, 0x05, 0x01, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x04, 0x01, 0xf4, 0x35, 0x1c,
    0xdc, 0xdf, 0x02, 0x00, 0x00, 0x00, 0x09, 0xdf, 0xf9, 0x02, 0x05, 0x01, 0xff};

std::string_view Bytes(const Listpack& lp) { return lp.view(); }

struct Model {
  StreamId id;
  std::vector<std::string> fv;
  bool deleted = false;
};

std::vector<std::string> FieldsOf(const Listpack& lp, const sn::Master& m, const sn::NodeEntry& e) {
  std::vector<std::string> out;
  sn::FieldCursor c(lp, m, e);
  for (int64_t i = 0; i < e.num_fields; i++) {
    LpValue f, v;
    c.Next(&f, &v);
    out.push_back(f.ToString());
    out.push_back(v.ToString());
  }
  return out;
}

}  // namespace

TEST(stream_id_parse) {
  StreamId id;
  CHECK(P("1-2", &id) && id == Id(1, 2));
  CHECK(P("5", &id) && id == Id(5, 0));
  CHECK(P("5", &id, true, UINT64_MAX) && id == Id(5, UINT64_MAX));
  CHECK(P("-", &id, false) && id == StreamId::Min());
  CHECK(P("+", &id, false) && id == StreamId::Max());
  CHECK(!P("-", &id) && !P("+", &id));
  CHECK(P("18446744073709551615-18446744073709551615", &id) && id.IsMax());
  CHECK(!P("18446744073709551616-0", &id));
  CHECK(!P("", &id) && !P("-1", &id) && !P("1-", &id) && !P("1-2-3", &id) && !P("a-1", &id));
  CHECK(P("007-1", &id) && id == Id(7, 1));  // strtoull accepts what string2ll refuses
  CHECK(P(std::string_view("3-4\0junk", 8), &id) && id == Id(3, 4));
  CHECK(!P(std::string(128, '1'), &id));
  bool seq_given = true;
  CHECK(StreamId::Parse("9-*", true, 0, &id, true, &seq_given) && !seq_given && id == Id(9, 0));
  CHECK(!StreamId::Parse("9-*", true, 0, &id));
  CHECK(StreamId::Parse("9-1", true, 0, &id, true, &seq_given) && seq_given);
}

TEST(stream_id_order_encode_format) {
  CHECK(Id(1, 5) < Id(2, 0));
  CHECK(Id(2, 0) < Id(2, 1));
  CHECK(Id(UINT64_MAX, 0) > Id(1, UINT64_MAX));
  unsigned char a[16], b[16];
  Id(0x0102030405060708ULL, 0x1112131415161718ULL).Encode(a);
  CHECK_EQ(a[0], 0x01);
  CHECK_EQ(a[7], 0x08);
  CHECK_EQ(a[8], 0x11);
  CHECK_EQ(a[15], 0x18);
  CHECK(StreamId::Decode(a) == Id(0x0102030405060708ULL, 0x1112131415161718ULL));
  // Byte order equals id order.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; i++) {
    StreamId x{rng() % 5, rng() % 5}, y{rng() % 5, rng() % 5};
    x.Encode(a);
    y.Encode(b);
    int c = memcmp(a, b, 16);
    CHECK_EQ(c < 0, x < y);
  }
  CHECK_EQ(Id(12, 0).ToString(), std::string("12-0"));
  CHECK_EQ(StreamId::Max().ToString(), std::string("18446744073709551615-18446744073709551615"));
  StreamId id = Id(1, UINT64_MAX);
  CHECK(id.Incr() && id == Id(2, 0));
  CHECK(id.Decr() && id == Id(1, UINT64_MAX));
  id = StreamId::Max();
  CHECK(!id.Incr() && id.IsZero());
  CHECK(!id.Decr() && id.IsMax());
}

TEST(stream_node_bytes_match_redis) {
  const StreamId master = Id(1, 1);
  std::string_view e1[] = {"a", "1", "b", "2"};
  std::string_view e2[] = {"a", "3", "b", "4"};
  std::string_view e3[] = {"c", "5"};
  std::string_view e4[] = {"a", "12345678901", "b", "-7"};
  Listpack lp = sn::NewNode(e1, 2);
  sn::Append(&lp, master, Id(1, 2), e2, 2);
  sn::Append(&lp, master, Id(2, 1), e3, 1);
  sn::Append(&lp, master, Id(2, 5), e4, 2);
  sn::Master m = sn::ReadMaster(lp);
  // Delete 1-2: the second entry.
  size_t pos = sn::NextEntry(lp, sn::ReadEntry(lp, m, master, m.first_entry));
  CHECK_EQ(sn::MarkDeleted(&lp, pos), 3);
  std::string_view want(reinterpret_cast<const char*>(kRedisNode), sizeof kRedisNode);
  CHECK(Bytes(lp) == want);
  int64_t count = 0;
  StreamId last;
  CHECK(sn::Validate(want, master, true, &count, &last));
  CHECK_EQ(count, 3);
  CHECK(last == Id(2, 5));
}

TEST(stream_node_walk_both_ways) {
  const StreamId master = Id(10, 3);
  std::string_view first[] = {"f", "v0"};
  Listpack lp = sn::NewNode(first, 1);
  std::vector<StreamId> ids = {master};
  for (int i = 1; i < 20; i++) {
    StreamId id = Id(10 + i / 3, i % 3);  // seq below the master's: negative seq deltas
    if (id <= ids.back()) id = Id(ids.back().ms + 1, i % 3);
    std::string v = "v" + std::to_string(i);
    if (i % 4 == 0) {
      std::string_view fv[] = {"g", v, "h", "x"};
      sn::Append(&lp, master, id, fv, 2);
    } else {
      std::string_view fv[] = {"f", v};
      sn::Append(&lp, master, id, fv, 1);
    }
    ids.push_back(id);
  }
  sn::Master m = sn::ReadMaster(lp);
  CHECK_EQ(m.count, 20);
  std::vector<StreamId> fwd, back;
  for (size_t p = m.first_entry; p != Listpack::npos;) {
    sn::NodeEntry e = sn::ReadEntry(lp, m, master, p);
    fwd.push_back(e.id);
    CHECK_EQ(e.same_fields(), (fwd.size() - 1) % 4 != 0 || fwd.size() == 1);
    p = sn::NextEntry(lp, e);
  }
  for (size_t p = sn::LastEntry(lp, m); p != Listpack::npos; p = sn::PrevEntry(lp, m, p)) {
    back.push_back(sn::ReadEntry(lp, m, master, p).id);
  }
  CHECK(fwd == ids);
  std::vector<StreamId> rev(ids.rbegin(), ids.rend());
  CHECK(back == rev);
}

TEST(stream_node_random_model) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 50; round++) {
    std::vector<Model> model;
    StreamId master{rng() % 1000 + 1, rng() % 10};
    Listpack lp;
    StreamId last = master;
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; i++) {
      StreamId id = i == 0 ? master : Id(last.ms + rng() % 3, rng() % 50);
      if (i > 0 && id <= last) id = Id(last.ms, last.seq + 1 + rng() % 3);
      last = id;
      const int nf = 1 + static_cast<int>(rng() % 3);
      std::vector<std::string> fv;
      for (int f = 0; f < nf; f++) {
        fv.push_back(rng() % 2 ? "f" + std::to_string(f) : std::to_string(static_cast<int64_t>(rng() % 100) - 50));
        fv.push_back(rng() % 3 ? std::to_string(rng() % 100000) : std::string(rng() % 200, 'x'));
      }
      std::vector<std::string_view> views(fv.begin(), fv.end());
      if (i == 0) {
        lp = sn::NewNode(views.data(), nf);
      } else {
        sn::Append(&lp, master, id, views.data(), nf);
      }
      model.push_back({id, fv});
    }
    // Delete a few.
    for (int k = 0; k < n / 3; k++) {
      size_t victim = rng() % model.size();
      if (model[victim].deleted) continue;
      sn::Master m = sn::ReadMaster(lp);
      size_t p = m.first_entry;
      for (size_t j = 0; j < victim; j++) p = sn::NextEntry(lp, sn::ReadEntry(lp, m, master, p));
      sn::MarkDeleted(&lp, p);
      model[victim].deleted = true;
    }
    sn::Master m = sn::ReadMaster(lp);
    int64_t live = 0;
    size_t j = 0;
    for (size_t p = m.first_entry; p != Listpack::npos; j++) {
      sn::NodeEntry e = sn::ReadEntry(lp, m, master, p);
      CHECK(e.id == model[j].id);
      CHECK_EQ(e.deleted(), model[j].deleted);
      CHECK(FieldsOf(lp, m, e) == model[j].fv);
      live += !e.deleted();
      p = sn::NextEntry(lp, e);
    }
    CHECK_EQ(j, model.size());
    CHECK_EQ(m.count, live);
    CHECK_EQ(m.deleted, static_cast<int64_t>(model.size()) - live);
    int64_t count;
    StreamId vlast;
    CHECK(sn::Validate(lp.view(), master, true, &count, &vlast));
    CHECK_EQ(count, live);
    CHECK(vlast == model.back().id);
  }
}

TEST(stream_node_validate_corrupt) {
  std::string good(reinterpret_cast<const char*>(kRedisNode), sizeof kRedisNode);
  const StreamId master = Id(1, 1);
  CHECK(sn::Validate(good, master, true));
  CHECK(!sn::Validate(std::string_view(), master, true));
  CHECK(!sn::Validate(good.substr(0, 40), master, true));
  // An empty listpack, and one holding only a master entry.
  Listpack empty;
  CHECK(!sn::Validate(empty.view(), master, true));
  // Every single-byte change and every truncation is either rejected or still
  // a well-formed node; none may read out of bounds.
  size_t accepted = 0;
  for (size_t i = 0; i < good.size(); i++) {
    for (int delta : {1, 0x40, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] + delta);
      accepted += sn::Validate(bad, master, true);
    }
    accepted += sn::Validate(good.substr(0, i), master, true);
  }
  CHECK(accepted < good.size());
  // Header-only validation accepts a consistent header whatever the body.
  std::string body_broken = good;
  body_broken[10] = static_cast<char>(0xf6);  // an invalid listpack encoding byte
  CHECK(sn::Validate(body_broken, master, false));
  CHECK(!sn::Validate(body_broken, master, true));
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
