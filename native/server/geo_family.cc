// Geo commands on sorted sets: GEOADD GEODIST GEOHASH GEOPOS GEORADIUS
// GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO GEOSEARCH
// GEOSEARCHSTORE.
//
// A position is a sorted set member whose score is its 52-bit geohash
// (core/geohash.h). GEOADD is ZADD with the scores computed from the
// coordinates, so it runs the ZADD handler (its options, replies, encoding
// changes and "zadd" event). Searches scan the centre cell and its
// neighbours in Redis's order, filter by distance, and sort like Redis
// (core/redis_sort.h: glibc's merge sort, or Redis's partial quicksort with
// COUNT), so ties come out in the same order too. Distances are replied with 4
// decimals, coordinates as "human" long doubles, exactly as Redis formats
// them. Argument checks and error texts follow Redis 7.0 (geo.c).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/geohash.h"
#include "core/redis_sort.h"
#include "core/util.h"
#include "server/command.h"
#include "server/redis_args.h"
#include "server/server.h"
#include "server/zset_value.h"

namespace tachyon {
namespace {

// A point found by a search.
struct GeoPoint {
  double longitude;
  double latitude;
  double dist;  // meters, then in the requested unit
  double score;
  std::string member;
};

// sort_gp_asc / sort_gp_desc: by distance only.
int CompareAsc(const GeoPoint& a, const GeoPoint& b) { return a.dist > b.dist ? 1 : a.dist == b.dist ? 0 : -1; }
int CompareDesc(const GeoPoint& a, const GeoPoint& b) { return -CompareAsc(a, b); }

// getDoubleFromObjectOrReply.
bool ParseDouble(CommandContext& c, int i, double* out, std::string_view error = err::kNotFloat) {
  if (String2d(c.arg(i), out)) return true;
  c.reply.Error(error);
  return false;
}

// extractLongLatOrReply: longitude then latitude, both in range.
bool ExtractLonLat(CommandContext& c, int i, double* xy) {
  if (!ParseDouble(c, i, &xy[0]) || !ParseDouble(c, i + 1, &xy[1])) return false;
  if (xy[0] < geo::kLonMin || xy[0] > geo::kLonMax || xy[1] < geo::kLatMin || xy[1] > geo::kLatMax) {
    int n = snprintf(nullptr, 0, "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
    std::string msg(static_cast<size_t>(n) + 1, '\0');
    snprintf(&msg[0], msg.size(), "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
    msg.resize(static_cast<size_t>(n));
    c.reply.Error(msg);
    return false;
  }
  return true;
}

// extractUnitOrReply: meters per unit, or -1 after replying the error.
double ExtractUnit(CommandContext& c, int i) {
  std::string_view u = c.arg(i);
  if (CStringIs(u, "m")) return 1;
  if (CStringIs(u, "km")) return 1000;
  if (CStringIs(u, "ft")) return 0.3048;
  if (CStringIs(u, "mi")) return 1609.34;
  c.reply.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

// extractDistanceOrReply: <radius> <unit>.
bool ExtractDistance(CommandContext& c, int i, double* conversion, double* radius) {
  double distance;
  if (!ParseDouble(c, i, &distance, "ERR need numeric radius")) return false;
  if (distance < 0) {
    c.reply.Error("ERR radius cannot be negative");
    return false;
  }
  *radius = distance;
  double to_meters = ExtractUnit(c, i + 1);
  if (to_meters < 0) return false;
  *conversion = to_meters;
  return true;
}

// extractBoxOrReply: <width> <height> <unit>.
bool ExtractBox(CommandContext& c, int i, double* conversion, double* width, double* height) {
  double w, h;
  if (!ParseDouble(c, i, &w, "ERR need numeric width") || !ParseDouble(c, i + 1, &h, "ERR need numeric height")) {
    return false;
  }
  if (h < 0 || w < 0) {
    c.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  *height = h;
  *width = w;
  double to_meters = ExtractUnit(c, i + 2);
  if (to_meters < 0) return false;
  *conversion = to_meters;
  return true;
}

// longLatFromMember: the position of a member, false if it is absent.
bool LonLatFromMember(ZSetValue* z, std::string_view member, double* xy) {
  double score;
  if (!z->Score(member, &score)) return false;
  return geo::DecodeScore(score, xy);
}

// addReplyDoubleDistance.
void ReplyDistance(CommandContext& c, double d) {
  char buf[32];
  int n = geo::FormatDistance(buf, d);
  c.reply.Bulk(std::string_view(buf, static_cast<size_t>(n)));
}

// addReplyHumanLongDouble.
void ReplyCoordinate(CommandContext& c, double v) { c.reply.DoubleText(FormatHumanLongDouble(v)); }

// What a C cast of the score to long long gives on x86-64 (WITHHASH).
long long ScoreAsLongLong(double score) {
  if (std::isnan(score) || score >= 9223372036854775808.0 || score < -9223372036854775808.0) return LLONG_MIN;
  return static_cast<long long>(score);
}

// geoGetPointsInRange: members with min <= score < max that lie in the
// shape, appended in score order; stops once `limit` (0: none) points are held.
void PointsInRange(ZSetValue* z, double min, double max, const geo::Shape& shape, std::vector<GeoPoint>* out,
                   size_t limit) {
  ZRangeSpec range;
  range.min = min;
  range.max = max;
  range.maxex = true;
  char buf[kLongStrSize];
  for (ZIter it = z->FirstInRange(range); z->Valid(it); z->Next(&it)) {
    const double score = z->ScoreAt(it);
    if (!(score < range.max)) break;
    double xy[2], distance = 0;
    if (geo::WithinShape(shape, score, xy, &distance)) {
      out->push_back(GeoPoint{xy[0], xy[1], distance, score, std::string(z->Member(it, buf))});
    }
    if (!out->empty() && limit && out->size() >= limit) break;
  }
}

// membersOfAllNeighbors: the centre cell, then N S E W NE NW SE SW.
void MembersOfAllNeighbors(ZSetValue* z, const geo::SearchArea& area, const geo::Shape& shape,
                           std::vector<GeoPoint>* out, size_t limit) {
  const geo::Neighbors& n = area.neighbors;
  const geo::HashBits cells[9] = {area.hash,     n.north,      n.south,      n.east,      n.west,
                                  n.north_east, n.north_west, n.south_east, n.south_west};
  size_t last_processed = 0;
  for (size_t i = 0; i < 9; i++) {
    if (cells[i].zero()) continue;
    // With huge radii adjacent neighbours can be the same cell: skip a
    // repeat of the last one scanned (never compared with the centre).
    if (last_processed && cells[i].bits == cells[last_processed].bits &&
        cells[i].step == cells[last_processed].step) {
      continue;
    }
    if (!out->empty() && limit && out->size() >= limit) break;
    geo::HashBits cell = cells[i];
    const uint64_t min = geo::Align52Bits(cell);
    cell.bits++;
    const uint64_t max = geo::Align52Bits(cell);
    PointsInRange(z, static_cast<double>(min), static_cast<double>(max), shape, out, limit);
    last_processed = i;
  }
}

// ---------------------------------------------------------------------------
// GEOADD

void GeoaddCommand(CommandContext& c) {
  bool xx = false, nx = false;
  int longidx = 2;
  while (longidx < c.argc) {
    std::string_view opt = c.arg(longidx);
    if (CStringIs(opt, "nx")) {
      nx = true;
    } else if (CStringIs(opt, "xx")) {
      xx = true;
    } else if (!CStringIs(opt, "ch")) {  // CH is left to ZADD
      break;
    }
    longidx++;
  }
  if ((c.argc - longidx) % 3 || (xx && nx)) {
    c.SyntaxError();
    return;
  }
  // ZADD key [options] score member ..., with the scores as decimal text.
  const int elements = (c.argc - longidx) / 3;
  std::vector<std::string> scores(static_cast<size_t>(elements));
  std::vector<std::string_view> argv;
  argv.reserve(static_cast<size_t>(longidx + elements * 2));
  argv.emplace_back("zadd");
  for (int i = 1; i < longidx; i++) argv.push_back(c.arg(i));
  for (int i = 0; i < elements; i++) {
    double xy[2];
    if (!ExtractLonLat(c, longidx + i * 3, xy)) return;
    geo::HashBits hash;
    geo::EncodeWGS84(xy[0], xy[1], geo::kStepMax, &hash);
    scores[i] = Ll2Str(static_cast<long long>(geo::Align52Bits(hash)));
    argv.push_back(scores[i]);
    argv.push_back(c.arg(longidx + i * 3 + 2));
  }
  static const CommandHandler zadd = c.server.commands().at("zadd")->handler;
  CommandContext zc{c.server, c.client, c.db, argv.data(), static_cast<int>(argv.size()), c.reply, c.now_ms, c.spec};
  zadd(zc);
}

// ---------------------------------------------------------------------------
// GEORADIUS / GEORADIUSBYMEMBER / GEOSEARCH / GEOSEARCHSTORE

enum SearchFlags : int {
  kRadiusCoords = 1 << 0,   // centre given as coordinates (GEORADIUS)
  kRadiusMember = 1 << 1,   // centre given as a member (GEORADIUSBYMEMBER)
  kRadiusNoStore = 1 << 2,  // the _RO forms: no STORE/STOREDIST
  kGeoSearch = 1 << 3,      // GEOSEARCH arguments
  kGeoSearchStore = 1 << 4, // GEOSEARCHSTORE: destination first, STOREDIST without a key
};

enum class Sort { kNone, kAsc, kDesc };

// georadiusGeneric.
void GeoSearchGeneric(CommandContext& c, int src_index, int flags) {
  std::string_view storekey;
  bool store = false, storedist = false;

  Entry* e;
  if (!c.ReadKeyOfType(c.arg(src_index), kZSet, &e)) return;
  ZSetValue* z = e ? e->as<ZSetValue>() : nullptr;

  int base_args;
  geo::Shape shape;
  if (flags & kRadiusCoords) {
    base_args = 6;
    shape.type = geo::Shape::kCircle;
    if (!ExtractLonLat(c, 2, shape.xy)) return;
    if (!ExtractDistance(c, base_args - 2, &shape.conversion, &shape.radius)) return;
  } else if ((flags & kRadiusMember) && !z) {
    // No source: the arguments are still parsed, for the reply to use.
    base_args = 5;
  } else if (flags & kRadiusMember) {
    base_args = 5;
    shape.type = geo::Shape::kCircle;
    if (!LonLatFromMember(z, c.arg(2), shape.xy)) {
      c.reply.Error("ERR could not decode requested zset member");
      return;
    }
    if (!ExtractDistance(c, base_args - 2, &shape.conversion, &shape.radius)) return;
  } else {
    base_args = 2;
    if (flags & kGeoSearchStore) {
      base_args = 3;
      storekey = c.arg(1);
      store = true;
    }
  }

  bool withdist = false, withhash = false, withcoords = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  Sort sort = Sort::kNone;
  bool any = false;
  long long count = 0;
  const int remaining = c.argc - base_args;
  for (int i = 0; i < remaining; i++) {
    const int at = base_args + i;
    std::string_view arg = c.arg(at);
    const bool search = flags & kGeoSearch;
    const bool can_store = !(flags & kRadiusNoStore) && !search;
    if (CStringIs(arg, "withdist")) {
      withdist = true;
    } else if (CStringIs(arg, "withhash")) {
      withhash = true;
    } else if (CStringIs(arg, "withcoord")) {
      withcoords = true;
    } else if (CStringIs(arg, "any")) {
      any = true;
    } else if (CStringIs(arg, "asc")) {
      sort = Sort::kAsc;
    } else if (CStringIs(arg, "desc")) {
      sort = Sort::kDesc;
    } else if (CStringIs(arg, "count") && i + 1 < remaining) {
      if (!String2ll(c.arg(at + 1), &count)) {
        c.reply.Error(err::kNotInt);
        return;
      }
      if (count <= 0) {
        c.reply.Error("ERR COUNT must be > 0");
        return;
      }
      i++;
    } else if (CStringIs(arg, "store") && i + 1 < remaining && can_store) {
      storekey = c.arg(at + 1);
      store = true;
      storedist = false;
      i++;
    } else if (CStringIs(arg, "storedist") && i + 1 < remaining && can_store) {
      storekey = c.arg(at + 1);
      store = true;
      storedist = true;
      i++;
    } else if (CStringIs(arg, "storedist") && search && (flags & kGeoSearchStore)) {
      storedist = true;
    } else if (CStringIs(arg, "frommember") && i + 1 < remaining && search && !fromloc) {
      // Without a source key the member cannot be looked up: parse on.
      if (z && !LonLatFromMember(z, c.arg(at + 1), shape.xy)) {
        c.reply.Error("ERR could not decode requested zset member");
        return;
      }
      frommember = true;
      i++;
    } else if (CStringIs(arg, "fromlonlat") && i + 2 < remaining && search && !frommember) {
      if (!ExtractLonLat(c, at + 1, shape.xy)) return;
      fromloc = true;
      i += 2;
    } else if (CStringIs(arg, "byradius") && i + 2 < remaining && search && !bybox) {
      if (!ExtractDistance(c, at + 1, &shape.conversion, &shape.radius)) return;
      shape.type = geo::Shape::kCircle;
      byradius = true;
      i += 2;
    } else if (CStringIs(arg, "bybox") && i + 3 < remaining && search && !byradius) {
      if (!ExtractBox(c, at + 1, &shape.conversion, &shape.width, &shape.height)) return;
      shape.type = geo::Shape::kBox;
      bybox = true;
      i += 3;
    } else {
      c.SyntaxError();
      return;
    }
  }

  if (store && (withdist || withhash || withcoords)) {
    c.reply.Error(std::string("ERR ") +
                  ((flags & kGeoSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                  " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return;
  }
  if ((flags & kGeoSearch) && !(frommember || fromloc)) {
    c.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + std::string(CString(c.arg(0))));
    return;
  }
  if ((flags & kGeoSearch) && !(byradius || bybox)) {
    c.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + std::string(CString(c.arg(0))));
    return;
  }
  if (any && !count) {
    c.reply.Error("ERR the ANY argument requires COUNT argument");
    return;
  }

  if (!z) {
    if (store) {
      if (c.db->Delete(storekey)) {
        c.KeyModified(storekey);
        c.Notify(kNotifyGeneric, "del", storekey);
        c.Dirty();
      }
      c.reply.Int(0);
    } else {
      c.reply.Array(0);
    }
    return;
  }

  // COUNT returns the nearest points unless ANY says any will do.
  if (count != 0 && sort == Sort::kNone && !any) sort = Sort::kAsc;

  geo::SearchArea area = geo::AreasByShape(&shape);
  std::vector<GeoPoint> points;
  MembersOfAllNeighbors(z, area, shape, &points, any ? static_cast<size_t>(count) : 0);

  if (points.empty() && !store) {
    c.reply.Array(0);
    return;
  }

  const size_t result_length = points.size();
  const size_t returned = (count == 0 || result_length < static_cast<unsigned long long>(count))
                              ? result_length
                              : static_cast<size_t>(count);
  if (sort != Sort::kNone) {
    auto cmp = sort == Sort::kAsc ? CompareAsc : CompareDesc;
    if (returned == result_length) {
      MergeSort(points.data(), points.size(), cmp);
    } else {
      PartialQuickSort(points.data(), points.size(), cmp, 0, returned - 1);
    }
  }

  if (!store) {
    const size_t options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    c.reply.Array(returned);
    for (size_t i = 0; i < returned; i++) {
      GeoPoint& gp = points[i];
      gp.dist /= shape.conversion;
      if (options) c.reply.Array(options + 1);
      c.reply.Bulk(gp.member);
      if (withdist) ReplyDistance(c, gp.dist);
      if (withhash) c.reply.Int(ScoreAsLongLong(gp.score));
      if (withcoords) {
        c.reply.Array(2);
        ReplyCoordinate(c, gp.longitude);
        ReplyCoordinate(c, gp.latitude);
      }
    }
    return;
  }

  if (returned) {
    const Settings& s = c.server.settings();
    const ZSetValue::Limits limits{static_cast<size_t>(std::max(0, s.zset_max_listpack_entries)),
                                   static_cast<size_t>(std::max(0, s.zset_max_listpack_value))};
    auto result = ZSetValue::NewEmpty(kEncSkiplist, returned);
    size_t maxelelen = 0, totelelen = 0;
    for (size_t i = 0; i < returned; i++) {
      GeoPoint& gp = points[i];
      gp.dist /= shape.conversion;
      double score = storedist ? gp.dist : gp.score;
      double existing;
      if (result->Score(gp.member, &existing)) continue;  // cannot happen: cells do not overlap
      maxelelen = std::max(maxelelen, gp.member.size());
      totelelen += gp.member.size();
      result->InsertNewSkiplist(score, gp.member);
    }
    result->ConvertToListpackIfNeeded(maxelelen, totelelen, limits);
    // setKey: add or overwrite, dropping any TTL.
    const ObjEncoding enc = result->encoding();
    c.StoreKey(NewCollectionEntry(storekey, KeyHash(storekey), kZSet, enc, std::move(result)));
    c.KeyModified(storekey);
    c.Notify(kNotifyZset, (flags & kGeoSearch) ? "geosearchstore" : "georadiusstore", storekey);
    c.Dirty(returned);
  } else if (c.DeleteKey(storekey)) {
    c.Dirty();
  }
  c.reply.Int(static_cast<long long>(returned));
}

void GeoradiusCommand(CommandContext& c) { GeoSearchGeneric(c, 1, kRadiusCoords); }
void GeoradiusbymemberCommand(CommandContext& c) { GeoSearchGeneric(c, 1, kRadiusMember); }
void GeoradiusRoCommand(CommandContext& c) { GeoSearchGeneric(c, 1, kRadiusCoords | kRadiusNoStore); }
void GeoradiusbymemberRoCommand(CommandContext& c) { GeoSearchGeneric(c, 1, kRadiusMember | kRadiusNoStore); }
void GeosearchCommand(CommandContext& c) { GeoSearchGeneric(c, 1, kGeoSearch); }
void GeosearchstoreCommand(CommandContext& c) { GeoSearchGeneric(c, 2, kGeoSearch | kGeoSearchStore); }

// ---------------------------------------------------------------------------
// GEOHASH / GEOPOS / GEODIST

void GeohashCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  ZSetValue* z = e ? e->as<ZSetValue>() : nullptr;
  c.reply.Array(static_cast<size_t>(c.argc - 2));
  for (int j = 2; j < c.argc; j++) {
    double score;
    if (!z || !z->Score(c.arg(j), &score)) {
      c.reply.Null();
      continue;
    }
    char text[11];
    geo::GeohashText(score, text);
    c.reply.Bulk(std::string_view(text, sizeof text));
  }
}

void GeoposCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  ZSetValue* z = e ? e->as<ZSetValue>() : nullptr;
  c.reply.Array(static_cast<size_t>(c.argc - 2));
  for (int j = 2; j < c.argc; j++) {
    double score, xy[2];
    if (!z || !z->Score(c.arg(j), &score) || !geo::DecodeScore(score, xy)) {
      c.reply.NullArray();
      continue;
    }
    c.reply.Array(2);
    ReplyCoordinate(c, xy[0]);
    ReplyCoordinate(c, xy[1]);
  }
}

void GeodistCommand(CommandContext& c) {
  double to_meter = 1;
  if (c.argc == 5) {
    to_meter = ExtractUnit(c, 4);
    if (to_meter < 0) return;
  } else if (c.argc > 5) {
    c.SyntaxError();
    return;
  }
  Entry* e = c.ReadKey(c.arg(1));
  if (!e) {
    c.reply.Null();
    return;
  }
  if (e->type != kZSet) {
    c.WrongType();
    return;
  }
  ZSetValue* z = e->as<ZSetValue>();
  double score1, score2, xyxy[4];
  if (!z->Score(c.arg(2), &score1) || !z->Score(c.arg(3), &score2) || !geo::DecodeScore(score1, xyxy) ||
      !geo::DecodeScore(score2, xyxy + 2)) {
    c.reply.Null();
    return;
  }
  ReplyDistance(c, geo::Distance(xyxy[0], xyxy[1], xyxy[2], xyxy[3]) / to_meter);
}

}  // namespace

void RegisterGeoCommands(CommandRegistry& r) {
  r.Add("geoadd", GeoaddCommand);
  r.Add("geodist", GeodistCommand);
  r.Add("geohash", GeohashCommand);
  r.Add("geopos", GeoposCommand);
  r.Add("georadius", GeoradiusCommand);
  r.Add("georadius_ro", GeoradiusRoCommand);
  r.Add("georadiusbymember", GeoradiusbymemberCommand);
  r.Add("georadiusbymember_ro", GeoradiusbymemberRoCommand);
  r.Add("geosearch", GeosearchCommand);
  r.Add("geosearchstore", GeosearchstoreCommand);
}

}  // namespace tachyon
