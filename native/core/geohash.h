// Geohashes as Redis 7.0's GEO commands compute them: a position is a 52-bit
// integer (26 bits of longitude interleaved with 26 bits of latitude, over
// longitudes -180..180 and latitudes -85.05112878..85.05112878), stored as
// the score of a sorted set member. A search covers the circle or box with
// the geohash cell of an estimated precision around the centre plus its 8
// neighbours, then filters members by haversine distance.
//
// The arithmetic follows Redis's geohash.c / geohash_helper.c step for step
// (same constants, same operation order, same libm calls), so that decoded
// coordinates, distances, search areas and therefore results and their
// order are bit-identical to Redis's.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tachyon {
namespace geo {

inline constexpr uint8_t kStepMax = 26;  // 26 * 2 = 52 bits
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;

struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool zero() const { return bits == 0 && step == 0; }
};

struct Range {
  double min = 0;
  double max = 0;
};

struct Area {
  HashBits hash;
  Range longitude;
  Range latitude;
};

struct Neighbors {
  HashBits north, east, west, south, north_east, south_east, north_west, south_west;
};

// geohashEncode: false if the step or the position is out of range.
bool Encode(const Range& lon_range, const Range& lat_range, double longitude, double latitude, uint8_t step,
            HashBits* hash);
bool EncodeWGS84(double longitude, double latitude, uint8_t step, HashBits* hash);
bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* area);
// The centre of the cell, clamped to the valid coordinates; xy = {lon, lat}.
bool DecodeToLonLat(const HashBits& hash, double* xy);
void GetNeighbors(const HashBits& hash, Neighbors* neighbors);
// The hash shifted to 52 bits (the sorted set score).
uint64_t Align52Bits(const HashBits& hash);

// A sorted set score as the 52-bit hash. Redis converts the double with a
// plain C cast; this reproduces what that cast gives on x86-64 for every
// score, including negative, huge, infinite and NaN ones.
uint64_t ScoreToBits(double score);
// Decodes a score (decodeGeohash); xy = {lon, lat}.
bool DecodeScore(double score, double* xy);

// Haversine distance in meters on Redis's earth radius.
double Distance(double lon1, double lat1, double lon2, double lat2);
double LatDistance(double lat1, double lat2);

// A search shape: a circle (radius) or an axis-aligned box (width, height),
// in the unit given by `conversion` (meters per unit).
struct Shape {
  enum Type { kCircle = 1, kBox = 2 };
  Type type = kCircle;
  double xy[2] = {0, 0};  // centre: lon, lat
  double conversion = 0;
  double bounds[4] = {0, 0, 0, 0};  // min lon, min lat, max lon, max lat
  double radius = 0;
  double width = 0;
  double height = 0;
  // Filled by AreasByShape for WithinShape: cos of the centre's latitude
  // (the same value for every point) and the search radius in meters.
  double centre_cos_lat = 1;
  double radius_meters = 0;
};

// The 9 cells to scan (the centre cell and its neighbours, some zeroed
// when useless). Fills shape->bounds.
struct SearchArea {
  HashBits hash;
  Area area;
  Neighbors neighbors;
};
SearchArea AreasByShape(Shape* shape);

// Whether the point with this score lies in the shape (prepared by
// AreasByShape); *xy gets its position and *distance its distance from the
// centre in meters.
bool WithinShape(const Shape& shape, double score, double* xy, double* distance);

// The standard 11-character geohash text of a score (GEOHASH).
void GeohashText(double score, char out[11]);

// Redis's fixedpoint_d2string(d, 4): the text of a distance reply
// ("12.3457", "0.0000", "-0.5000"). buf must hold 32 bytes; returns length.
int FormatDistance(char* buf, double d);

}  // namespace geo
}  // namespace tachyon
