// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis 7.0's dataset signature, bit for
// bit, so that the same contents give the same 40 hex digits on Tachyon and
// on redis-server (tests compare whole datasets between the two with one
// command).
//
// The scheme (debug.c's computeDatasetDigest): unordered things (keys, set
// members, hash fields, sorted-set members) are combined by XOR of their
// SHA-1s; ordered things (list elements, stream entries, a key's type then
// its value) are chained with mix(d, x) = SHA1(d XOR SHA1(x)). Elements are
// hashed in their string form (integers in decimal, sorted-set scores with
// "%.17g"), so every encoding of the same contents gives the same digest. A
// key with a TTL XORs in SHA1("!!expire!!") (the time itself is not part of
// it). Each non-empty database is mixed in as its big-endian 32-bit index.
#pragma once

#include <cstdint>

namespace tachyon {

class Db;
class Server;
struct Entry;

// XORs the digest of one value (its type, contents and whether it has a TTL)
// into `digest` (xorObjectDigest).
void ObjectDigest(Db& db, const Entry* e, uint8_t digest[20]);

// The digest of every database; 20 zero bytes when all are empty.
void DatasetDigest(Server& server, uint8_t out[20]);

}  // namespace tachyon
