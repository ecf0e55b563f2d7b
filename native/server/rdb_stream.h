// Streams in RDB files and DUMP payloads, as Redis 7.0 writes and reads them
// (rdb.c, RDB_TYPE_STREAM_LISTPACKS_2 = 19; RDB_TYPE_STREAM_LISTPACKS = 15
// from Redis 5 and 6 is read too):
//
//   <node count> (<master id: 16-byte string> <node listpack: string>)*
//   <length> <last id ms> <last id seq>
//   [19 only: <first id ms> <first id seq> <max deleted ms> <max deleted seq> <entries added>]
//   <group count> (<name> <last id ms> <last id seq> [19 only: <entries read>]
//                  <pel count> (<16-byte id> <delivery time ms, 8 bytes LE> <delivery count>)*
//                  <consumer count> (<name> <seen time ms, 8 bytes LE>
//                                    <pel count> (<16-byte id>)*)*)*
//
// every <number> an RDB length, every string an RDB string (node listpacks
// LZF-compressed under rdbcompression, as any string). Nodes, groups and
// consumers come in the order of Redis's radix trees (ids and names as
// bytes), which is StreamValue's order, so the bytes equal Redis's.
//
// Type 21 (Redis 7.2's consumer active times) is not a type 7.0 knows: the
// reader refuses it as 7.0 does, as an unknown encoding.
//
// Untrusted input is checked deeply, whatever sanitize-dump-payload says:
// each node with stream_node::Validate (entries well formed, ids increasing
// from its master id), nodes in id order without overlap, the length equal
// to the live entries, the last id not below any entry, no duplicate group,
// consumer or PEL entry, every consumer PEL id in its group's PEL, every
// group PEL entry owned by exactly one consumer.
#pragma once

#include <cstdint>

#include "server/rdb_reader.h"
#include "server/rdb_writer.h"
#include "server/stream_value.h"

namespace tachyon {

// The value body of a stream (after its type byte, kRdbTypeStreamListpacks2).
void SaveStreamObject(RdbWriter& w, const StreamValue& s);

// Reads a stream value of RDB type 15 or 19 into out. Throws RdbError (through
// RdbInput::Corrupt / Eof) on bad input. An empty stream is a value, not an
// empty key: this always returns true.
bool LoadStreamObject(RdbReader& r, uint8_t rdb_type, LoadedValue* out);

}  // namespace tachyon
