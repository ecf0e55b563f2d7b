// Geohash encoding, decoding, distances and text against values read from
// redis-server 7.0.15 (GEOADD + ZSCORE/GEOPOS/GEOHASH/GEODIST), search area
// invariants, and the two sorts of core/redis_sort.h.
#include "core/geohash.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/redis_sort.h"
#include "core/util.h"
#include "tests/check.h"

using namespace tachyon;

namespace {

uint64_t Score(double lon, double lat) {
  geo::HashBits h;
  CHECK(geo::EncodeWGS84(lon, lat, geo::kStepMax, &h));
  return geo::Align52Bits(h);
}

std::string Text(double score) {
  char buf[11];
  geo::GeohashText(score, buf);
  return std::string(buf, 11);
}

std::string Dist(double d) {
  char buf[32];
  return std::string(buf, geo::FormatDistance(buf, d));
}

}  // namespace

TEST(ScoresMatchRedis) {
  CHECK_EQ(Score(13.361389, 38.115556), 3479099956230698ULL);
  CHECK_EQ(Score(15.087269, 37.502669), 3479447370796909ULL);
  CHECK_EQ(Score(0, 0), 3377699720527872ULL);
  CHECK_EQ(Score(-180, -85.05112878), 0ULL);
  CHECK_EQ(Score(180, 85.05112878), 13510798882111488ULL);
  CHECK_EQ(Score(179.9999, 0), 4128299658422434ULL);
  geo::HashBits h;
  CHECK(!geo::EncodeWGS84(180.0001, 0, 26, &h));
  CHECK(!geo::EncodeWGS84(0, 85.06, 26, &h));
}

TEST(DecodedPositionsMatchRedis) {
  double xy[2];
  CHECK(geo::DecodeScore(3479099956230698.0, xy));
  // GEOPOS prints them as "human" long doubles.
  CHECK_EQ(FormatHumanLongDouble(xy[0]), "13.36138933897018433");
  CHECK_EQ(FormatHumanLongDouble(xy[1]), "38.11555639549629859");
  CHECK(geo::DecodeScore(0, xy));
  CHECK_EQ(FormatHumanLongDouble(xy[0]), "-179.99999731779098511");
  CHECK_EQ(FormatHumanLongDouble(xy[1]), "-85.05112751263942528");
  CHECK(geo::DecodeScore(13510798882111488.0, xy));
  CHECK_EQ(xy[0], 180.0);
  CHECK_EQ(xy[1], 85.05112878);  // clamped
}

TEST(GeohashTextMatchesRedis) {
  CHECK_EQ(Text(3479099956230698.0), "sqc8b49rny0");
  CHECK_EQ(Text(3479447370796909.0), "sqdtr74hyu0");
  CHECK_EQ(Text(3377699720527872.0), "s0000000000");
  CHECK_EQ(Text(0), "00bh0hbj200");
  CHECK_EQ(Text(13510798882111488.0), "bp05b5048p0");
  CHECK_EQ(Text(4128299658422434.0), "xbpbpbpbj80");
}

TEST(DistancesMatchRedis) {
  double a[2], b[2];
  geo::DecodeScore(3479099956230698.0, a);
  geo::DecodeScore(3479447370796909.0, b);
  CHECK_EQ(Dist(geo::Distance(a[0], a[1], b[0], b[1])), "166274.1516");
  geo::DecodeScore(0, a);
  geo::DecodeScore(13510798882111488.0, b);
  CHECK_EQ(Dist(geo::Distance(a[0], a[1], b[0], b[1])), "18919844.5891");
  geo::DecodeScore(3377699720527872.0, a);
  geo::DecodeScore(4128299658422434.0, b);
  CHECK_EQ(Dist(geo::Distance(a[0], a[1], b[0], b[1]) / 1000), "20020.7227");
  CHECK_EQ(Dist(0), "0.0000");
  CHECK_EQ(Dist(-0.0), "0.0000");
  CHECK_EQ(Dist(0.00004), "0.0000");
  CHECK_EQ(Dist(0.00005), "0.0000");  // llrint rounds half to even
  CHECK_EQ(Dist(0.00015), "0.0001");  // 1.4999999999999998 ten-thousandths
  CHECK_EQ(Dist(0.00016), "0.0002");
  CHECK_EQ(Dist(-2.5), "-2.5000");
  CHECK_EQ(Dist(12.34567), "12.3457");
}

TEST(ScoreCastsLikeX86) {
  CHECK_EQ(geo::ScoreToBits(-1), ~0ULL);
  CHECK_EQ(geo::ScoreToBits(1.5), 1ULL);
  CHECK_EQ(geo::ScoreToBits(INFINITY), 0ULL);
  CHECK_EQ(geo::ScoreToBits(-INFINITY), 1ULL << 63);
  CHECK_EQ(geo::ScoreToBits(1e30), 0ULL);
  CHECK_EQ(geo::ScoreToBits(9.3e18), 9300000000000000000ULL);
  CHECK_EQ(geo::ScoreToBits(-1e300), 1ULL << 63);
}

TEST(SearchAreasCoverTheShape) {
  // Every point the shape contains lies in one of the 9 cells.
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-85, 85), unit(0, 1);
  for (int round = 0; round < 300; round++) {
    geo::Shape shape;
    shape.xy[0] = lon(rng);
    shape.xy[1] = lat(rng) * 0.9;
    shape.conversion = 1000;
    if (round % 2) {
      shape.type = geo::Shape::kCircle;
      shape.radius = std::pow(10, unit(rng) * 4);
    } else {
      shape.type = geo::Shape::kBox;
      shape.width = std::pow(10, unit(rng) * 4);
      shape.height = std::pow(10, unit(rng) * 4);
    }
    geo::SearchArea area = geo::AreasByShape(&shape);
    const geo::HashBits cells[9] = {area.hash,
                                    area.neighbors.north,
                                    area.neighbors.south,
                                    area.neighbors.east,
                                    area.neighbors.west,
                                    area.neighbors.north_east,
                                    area.neighbors.north_west,
                                    area.neighbors.south_east,
                                    area.neighbors.south_west};
    for (int p = 0; p < 200; p++) {
      uint64_t score = Score(lon(rng), lat(rng));
      double xy[2], dist;
      if (!geo::WithinShape(shape, static_cast<double>(score), xy, &dist)) continue;
      bool covered = false;
      for (const auto& c : cells) {
        if (c.zero()) continue;
        geo::HashBits next = c;
        next.bits++;
        covered |= score >= geo::Align52Bits(c) && score < geo::Align52Bits(next);
      }
      CHECK(covered);
    }
  }
}

// The latitude pre-check and the centre's cached cosine change no decision
// and no distance: WithinShape agrees with the plain haversine, including
// for points exactly on the circle (radius = their distance) and just past it.
TEST(CircleTestMatchesThePlainHaversine) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-85, 85), unit(0, 1);
  int inside = 0, edge = 0;
  for (int round = 0; round < 2000; round++) {
    geo::Shape shape;
    shape.type = geo::Shape::kCircle;
    shape.xy[0] = lon(rng);
    shape.xy[1] = lat(rng);
    shape.conversion = round % 3 ? 1000 : 1;
    // Points near the centre (most) and anywhere on earth.
    const double spread = round % 4 ? 0.5 : 180;
    double plon = shape.xy[0] + (unit(rng) - 0.5) * 2 * spread;
    double plat = shape.xy[1] + (unit(rng) - 0.5) * spread;
    plon = std::max(-180.0, std::min(180.0, plon));
    plat = std::max(-85.0, std::min(85.0, plat));
    const double score = static_cast<double>(Score(plon, plat));
    double pxy[2];
    CHECK(geo::DecodeScore(score, pxy));
    const double exact = geo::Distance(shape.xy[0], shape.xy[1], pxy[0], pxy[1]);
    const double radii[] = {exact / shape.conversion, std::nextafter(exact, 0.0) / shape.conversion,
                            std::nextafter(exact, 1e300) / shape.conversion, unit(rng) * 2 * exact / shape.conversion,
                            0.0};
    for (double radius : radii) {
      shape.radius = radius;
      geo::AreasByShape(&shape);
      double xy[2], dist = -1;
      const bool in = geo::WithinShape(shape, score, xy, &dist);
      const bool want = !(exact > shape.radius * shape.conversion);
      CHECK(in == want);
      if (in) {
        CHECK(dist == exact);
        CHECK(xy[0] == pxy[0] && xy[1] == pxy[1]);
        inside++;
        if (radius == exact / shape.conversion) edge++;
      }
    }
  }
  CHECK(inside > 1000);
  CHECK(edge > 100);
}

TEST(PartialQuickSortSortsTheRange) {
  std::mt19937 rng(4);
  for (int round = 0; round < 3000; round++) {
    size_t n = 1 + rng() % 120;
    std::vector<int> v(n);
    for (auto& x : v) x = static_cast<int>(rng() % (1 + rng() % 50));
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    size_t hi = rng() % n;
    PartialQuickSort(v.data(), n, [](int a, int b) { return a < b ? -1 : a > b ? 1 : 0; }, 0, hi);
    for (size_t i = 0; i <= hi; i++) CHECK_EQ(v[i], sorted[i]);
    std::sort(v.begin(), v.end());
    CHECK(v == sorted);  // a permutation
  }
}

TEST(MergeSortIsStableAndMatchesGlibcOnBadComparators) {
  std::mt19937 rng(6);
  for (int round = 0; round < 2000; round++) {
    size_t n = rng() % 100;
    std::vector<std::pair<int, int>> v(n);
    for (size_t i = 0; i < n; i++) v[i] = {static_cast<int>(rng() % 10), static_cast<int>(i)};
    auto expect = v;
    std::stable_sort(expect.begin(), expect.end(), [](auto& a, auto& b) { return a.first < b.first; });
    MergeSort(v.data(), n, [](auto& a, auto& b) { return a.first < b.first ? -1 : a.first > b.first ? 1 : 0; });
    CHECK(v == expect);
  }
  // With NaN distances the comparator is inconsistent; glibc's qsort (a
  // merge sort with this exact split) gives this order for Redis.
  // Entries carry their index so that the two orders can be compared exactly.
  struct Point {
    double dist;
    int id;
  };
  auto cmp = [](const Point& a, const Point& b) { return a.dist > b.dist ? 1 : a.dist == b.dist ? 0 : -1; };
  for (int round = 0; round < 1000; round++) {
    size_t n = 1 + rng() % 60;
    std::vector<Point> d(n);
    for (size_t i = 0; i < n; i++) d[i] = {rng() % 4 == 0 ? NAN : static_cast<double>(rng() % 20), static_cast<int>(i)};
    std::vector<Point> q = d;
    qsort(q.data(), q.size(), sizeof(Point), [](const void* a, const void* b) {
      const Point& x = *static_cast<const Point*>(a);
      const Point& y = *static_cast<const Point*>(b);
      return x.dist > y.dist ? 1 : x.dist == y.dist ? 0 : -1;
    });
    MergeSort(d.data(), n, cmp);
    for (size_t i = 0; i < n; i++) CHECK_EQ(d[i].id, q[i].id);
  }
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
