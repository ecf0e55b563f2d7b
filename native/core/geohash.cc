// Geohash encoding, search areas and distances. See geohash.h.
//
// Floating-point expressions keep Redis's operand order on purpose: a
// reordered sum or product can change the last bit of a distance, and with
// it whether a point on the edge of a search is in or out.
#include "core/geohash.h"

#include <climits>
#include <cmath>
#include <cstdio>

namespace tachyon {
namespace geo {

namespace {

constexpr double kDegToRadFactor = M_PI / 180.0;
constexpr double kEarthRadiusMeters = 6372797.560856;  // Redis's WGS-84 quadratic mean radius
constexpr double kMercatorMax = 20037726.37;

double DegRad(double ang) { return ang * kDegToRadFactor; }
double RadDeg(double ang) { return ang / kDegToRadFactor; }

bool RangeZero(const Range& r) { return r.max == 0 && r.min == 0; }

const Range kLonRange{kLonMin, kLonMax};
const Range kLatRange{kLatMin, kLatMax};

// Spreads the 32 bits of v over the even bits of a 64-bit word.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// The inverse of Spread: the even bits of x packed into 32 bits.
uint32_t Squeeze(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// Latitude in the even bits, longitude in the odd bits.
uint64_t Interleave(uint32_t lat, uint32_t lon) { return Spread(lat) | (Spread(lon) << 1); }

// Moves a cell one step east (d > 0) or west (d < 0), wrapping around.
void MoveX(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  uint64_t zz = 0x5555555555555555ULL >> (64 - hash->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

// Moves a cell one step north (d > 0) or south (d < 0).
void MoveY(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

// The precision (step) whose cells are about as wide as the search.
uint8_t EstimateStepsByRadius(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // make sure the range is included in most of the base cases
  // Cells get narrower towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return static_cast<uint8_t>(step);
}

// The shape's bounding box (min lon, min lat, max lon, max lat). Meridians
// converge, so the box is widest on the side nearer the equator.
void BoundingBox(const Shape& shape, double* bounds) {
  const double longitude = shape.xy[0];
  const double latitude = shape.xy[1];
  const double height = shape.conversion * (shape.type == Shape::kCircle ? shape.radius : shape.height / 2);
  const double width = shape.conversion * (shape.type == Shape::kCircle ? shape.radius : shape.width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double long_delta_top = RadDeg(width / kEarthRadiusMeters / cos(DegRad(latitude + lat_delta)));
  const double long_delta_bottom = RadDeg(width / kEarthRadiusMeters / cos(DegRad(latitude - lat_delta)));
  const bool southern = latitude < 0;
  bounds[0] = southern ? longitude - long_delta_bottom : longitude - long_delta_top;
  bounds[2] = southern ? longitude + long_delta_bottom : longitude + long_delta_top;
  bounds[1] = latitude - lat_delta;
  bounds[3] = latitude + lat_delta;
}

}  // namespace

bool Encode(const Range& lon_range, const Range& lat_range, double longitude, double latitude, uint8_t step,
            HashBits* hash) {
  if (step > 32 || step == 0 || RangeZero(lat_range) || RangeZero(lon_range)) return false;
  if (longitude > kLonMax || longitude < kLonMin || latitude > kLatMax || latitude < kLatMin) return false;
  hash->bits = 0;
  hash->step = step;
  if (latitude < lat_range.min || latitude > lat_range.max || longitude < lon_range.min ||
      longitude > lon_range.max) {
    return false;
  }
  double lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (longitude - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  long_offset *= static_cast<double>(1ULL << step);
  hash->bits = Interleave(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(long_offset));
  return true;
}

bool EncodeWGS84(double longitude, double latitude, uint8_t step, HashBits* hash) {
  return Encode(kLonRange, kLatRange, longitude, latitude, step, hash);
}

bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* area) {
  if (hash.zero() || RangeZero(lat_range) || RangeZero(lon_range)) return false;
  area->hash = hash;
  const uint8_t step = hash.step;
  const uint32_t ilato = Squeeze(hash.bits);       // latitude: even bits
  const uint32_t ilono = Squeeze(hash.bits >> 1);  // longitude: odd bits
  const double lat_scale = lat_range.max - lat_range.min;
  const double long_scale = lon_range.max - lon_range.min;
  // Redis divides by the cell count; it is a power of two, so multiplying by
  // its inverse gives the same bits without four divisions per point.
  const double per_cell = 1.0 / static_cast<double>(1ULL << step);
  // (ilato + 1) is 32-bit arithmetic in Redis too: it wraps for the last cell of a bad hash.
  area->latitude.min = lat_range.min + (ilato * 1.0 * per_cell) * lat_scale;
  area->latitude.max = lat_range.min + (static_cast<uint32_t>(ilato + 1) * 1.0 * per_cell) * lat_scale;
  area->longitude.min = lon_range.min + (ilono * 1.0 * per_cell) * long_scale;
  area->longitude.max = lon_range.min + (static_cast<uint32_t>(ilono + 1) * 1.0 * per_cell) * long_scale;
  return true;
}

bool DecodeToLonLat(const HashBits& hash, double* xy) {
  Area area;
  if (!Decode(kLonRange, kLatRange, hash, &area)) return false;
  xy[0] = (area.longitude.min + area.longitude.max) / 2;
  if (xy[0] > kLonMax) xy[0] = kLonMax;
  if (xy[0] < kLonMin) xy[0] = kLonMin;
  xy[1] = (area.latitude.min + area.latitude.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
  return true;
}

void GetNeighbors(const HashBits& hash, Neighbors* n) {
  n->east = n->west = n->north = n->south = hash;
  n->south_east = n->south_west = n->north_east = n->north_west = hash;
  MoveX(&n->east, 1);
  MoveX(&n->west, -1);
  MoveY(&n->south, -1);
  MoveY(&n->north, 1);
  MoveX(&n->north_west, -1);
  MoveY(&n->north_west, 1);
  MoveX(&n->north_east, 1);
  MoveY(&n->north_east, 1);
  MoveX(&n->south_east, 1);
  MoveY(&n->south_east, -1);
  MoveX(&n->south_west, -1);
  MoveY(&n->south_west, -1);
}

uint64_t Align52Bits(const HashBits& hash) { return hash.bits << (52 - hash.step * 2); }

uint64_t ScoreToBits(double score) {
  // GCC's double -> uint64 conversion on x86-64: scores from 2^63 up are
  // converted after subtracting 2^63 and get the top bit flipped; below
  // that a plain cvttsd2si, whose answer for NaN or anything out of the
  // int64 range is 0x8000000000000000.
  constexpr double k2p63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = 1ULL << 63;
  if (score >= k2p63) {
    double r = score - k2p63;
    uint64_t t = r < k2p63 ? static_cast<uint64_t>(static_cast<int64_t>(r)) : kIndefinite;
    return t ^ kIndefinite;
  }
  if (std::isnan(score) || score < -k2p63) return kIndefinite;
  return static_cast<uint64_t>(static_cast<int64_t>(score));
}

bool DecodeScore(double score, double* xy) {
  HashBits hash;
  hash.bits = ScoreToBits(score);
  hash.step = kStepMax;
  return DecodeToLonLat(hash, xy);
}

double LatDistance(double lat1, double lat2) { return kEarthRadiusMeters * fabs(DegRad(lat2) - DegRad(lat1)); }

namespace {

// One coordinate of a 52-bit cell's centre from its squeezed bits, with the
// very operations of Decode and DecodeToLonLat (so the same bits).
inline double CellCentre(uint32_t i, const Range& r, double per_cell, double lo, double hi) {
  const double scale = r.max - r.min;
  const double min = r.min + (i * 1.0 * per_cell) * scale;
  const double max = r.min + (static_cast<uint32_t>(i + 1) * 1.0 * per_cell) * scale;
  double v = (min + max) / 2;
  if (v > hi) v = hi;
  if (v < lo) v = lo;
  return v;
}

// The haversine with cos(lat1 in radians) given (a search computes it once
// for its centre instead of once per point: the same value, so the same bits).
inline double DistanceWithCos(double lon1, double lat1, double cos_lat1, double lon2, double lat2) {
  const double lon1r = DegRad(lon1);
  const double lon2r = DegRad(lon2);
  const double v = sin((lon2r - lon1r) / 2);
  // Same longitude: the haversine reduces to the latitude difference.
  if (v == 0.0) return LatDistance(lat1, lat2);
  const double lat1r = DegRad(lat1);
  const double lat2r = DegRad(lat2);
  const double u = sin((lat2r - lat1r) / 2);
  const double a = u * u + cos_lat1 * cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * asin(sqrt(a));
}

}  // namespace

double Distance(double lon1, double lat1, double lon2, double lat2) {
  return DistanceWithCos(lon1, lat1, cos(DegRad(lat1)), lon2, lat2);
}

SearchArea AreasByShape(Shape* shape) {
  BoundingBox(*shape, shape->bounds);
  const double min_lon = shape->bounds[0];
  const double min_lat = shape->bounds[1];
  const double max_lon = shape->bounds[2];
  const double max_lat = shape->bounds[3];
  const double longitude = shape->xy[0];
  const double latitude = shape->xy[1];
  // A box is covered by the circle through its corners.
  double radius_meters = shape->type == Shape::kCircle
                             ? shape->radius
                             : sqrt((shape->width / 2) * (shape->width / 2) + (shape->height / 2) * (shape->height / 2));
  radius_meters *= shape->conversion;
  shape->centre_cos_lat = cos(DegRad(latitude));
  shape->radius_meters = shape->radius * shape->conversion;

  int steps = EstimateStepsByRadius(radius_meters, latitude);
  SearchArea r;
  Encode(kLonRange, kLatRange, longitude, latitude, static_cast<uint8_t>(steps), &r.hash);
  GetNeighbors(r.hash, &r.neighbors);
  Decode(kLonRange, kLatRange, r.hash, &r.area);

  // Near a cell edge the estimated step can be too fine for the neighbours
  // to reach the whole search area: use cells twice as large then.
  bool decrease_step = false;
  {
    Area north, south, east, west;
    Decode(kLonRange, kLatRange, r.neighbors.north, &north);
    Decode(kLonRange, kLatRange, r.neighbors.south, &south);
    Decode(kLonRange, kLatRange, r.neighbors.east, &east);
    Decode(kLonRange, kLatRange, r.neighbors.west, &west);
    if (north.latitude.max < max_lat) decrease_step = true;
    if (south.latitude.min > min_lat) decrease_step = true;
    if (east.longitude.max < max_lon) decrease_step = true;
    if (west.longitude.min > min_lon) decrease_step = true;
  }
  if (steps > 1 && decrease_step) {
    steps--;
    Encode(kLonRange, kLatRange, longitude, latitude, static_cast<uint8_t>(steps), &r.hash);
    GetNeighbors(r.hash, &r.neighbors);
    Decode(kLonRange, kLatRange, r.hash, &r.area);
  }

  // Drop the neighbours that lie entirely outside the search area.
  if (steps >= 2) {
    Neighbors& n = r.neighbors;
    if (r.area.latitude.min < min_lat) n.south = n.south_west = n.south_east = HashBits();
    if (r.area.latitude.max > max_lat) n.north = n.north_east = n.north_west = HashBits();
    if (r.area.longitude.min < min_lon) n.west = n.south_west = n.north_west = HashBits();
    if (r.area.longitude.max > max_lon) n.east = n.south_east = n.north_east = HashBits();
  }
  return r;
}

bool WithinShape(const Shape& shape, double score, double* xy, double* distance) {
  if (shape.type == Shape::kCircle) {
    // DecodeScore, latitude first: most points a search rejects are rejected by it alone.
    const uint64_t bits = ScoreToBits(score);
    const double per_cell = 1.0 / static_cast<double>(1ULL << kStepMax);
    xy[1] = CellCentre(Squeeze(bits), kLatRange, per_cell, kLatMin, kLatMax);
    // A great-circle distance is never shorter than the latitude distance,
    // so a point whose latitude alone puts it clearly out is out without the
    // trigonometry. The margin (a millionth, far above the rounding errors of
    // either formula) leaves every borderline point to the exact haversine,
    // so the result is Redis's.
    const double radius_m = shape.radius_meters;
    if (LatDistance(xy[1], shape.xy[1]) > radius_m + radius_m * 1e-6 + 1e-6) return false;
    xy[0] = CellCentre(Squeeze(bits >> 1), kLonRange, per_cell, kLonMin, kLonMax);
    *distance = DistanceWithCos(shape.xy[0], shape.xy[1], shape.centre_cos_lat, xy[0], xy[1]);
    return !(*distance > shape.radius * shape.conversion);
  }
  if (!DecodeScore(score, xy)) return false;
  const double width_m = shape.width * shape.conversion;
  const double height_m = shape.height * shape.conversion;
  // The latitude distance is cheaper, so it is checked first.
  if (LatDistance(xy[1], shape.xy[1]) > height_m / 2) return false;
  if (Distance(xy[0], xy[1], shape.xy[0], xy[1]) > width_m / 2) return false;
  *distance = DistanceWithCos(shape.xy[0], shape.xy[1], shape.centre_cos_lat, xy[0], xy[1]);
  return true;
}

void GeohashText(double score, char out[11]) {
  static const char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  DecodeScore(score, xy);
  // Re-encoded over the standard latitude range -90..90 (the stored hash uses -85..85).
  HashBits hash;
  Encode(Range{-180, 180}, Range{-90, 90}, xy[0], xy[1], 26, &hash);
  for (int i = 0; i < 11; i++) {
    // 52 bits give 10 characters; the 11th is always '0', as in Redis.
    int idx = i == 10 ? 0 : static_cast<int>((hash.bits >> (52 - (i + 1) * 5)) & 0x1f);
    out[i] = kAlphabet[idx];
  }
}

int FormatDistance(char* buf, double d) {
  if (d == 0) return snprintf(buf, 32, "0.0000");
  long long svalue = llrint(d * 10000.0);
  bool negative = svalue < 0;
  unsigned long long value =
      negative ? (svalue == LLONG_MIN ? 9223372036854775808ULL : static_cast<unsigned long long>(-svalue))
               : static_cast<unsigned long long>(svalue);
  return snprintf(buf, 32, "%s%llu.%04llu", negative ? "-" : "", value / 10000, value % 10000);
}

}  // namespace geo
}  // namespace tachyon
