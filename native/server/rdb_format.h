// Constants of the RDB file format (version 10, Redis 7.0) and of the DUMP
// payload, shared by the writer (rdb_writer.h) and the reader (rdb_reader.h).
//
// File:    "REDIS0010" (AUX key value)* [FUNCTION2 ...]*
//          (SELECTDB n RESIZEDB keys expires ([EXPIRETIME_MS t] [IDLE s | FREQ f]
//           type key value)*)* EOF <crc64 LE, 0 when rdbchecksum no>
// DUMP:    type value <RDB version u16 LE> <crc64 LE of everything before>
//
// Lengths: 00xxxxxx (6 bits), 01xxxxxx xxxxxxxx (14 bits, big endian),
// 0x80 + u32 big endian, 0x81 + u64 big endian; 11xxxxxx introduces a
// special string encoding: 0 int8, 1 int16, 2 int32 (little endian), 3 LZF
// (<compressed len> <original len> <bytes>).
#pragma once

#include <cstdint>

namespace tachyon {

constexpr int kRdbVersion = 10;

// Value types (the byte before each key).
enum RdbType : uint8_t {
  kRdbTypeString = 0,
  kRdbTypeList = 1,
  kRdbTypeSet = 2,
  kRdbTypeZSet = 3,  // scores as text
  kRdbTypeHash = 4,
  kRdbTypeZSet2 = 5,  // scores as binary doubles
  kRdbTypeModulePreGa = 6,
  kRdbTypeModule2 = 7,
  kRdbTypeHashZipmap = 9,
  kRdbTypeListZiplist = 10,
  kRdbTypeSetIntset = 11,
  kRdbTypeZSetZiplist = 12,
  kRdbTypeHashZiplist = 13,
  kRdbTypeListQuicklist = 14,  // nodes are ziplists
  kRdbTypeStreamListpacks = 15,
  kRdbTypeHashListpack = 16,
  kRdbTypeZSetListpack = 17,
  kRdbTypeListQuicklist2 = 18,  // nodes are listpacks or plain strings
  kRdbTypeStreamListpacks2 = 19,
};

// Opcodes (values no type uses).
enum RdbOpcode : uint8_t {
  kRdbOpFunction2 = 245,
  kRdbOpFunctionPreGa = 246,
  kRdbOpModuleAux = 247,
  kRdbOpIdle = 248,
  kRdbOpFreq = 249,
  kRdbOpAux = 250,
  kRdbOpResizeDb = 251,
  kRdbOpExpireTimeMs = 252,
  kRdbOpExpireTime = 253,
  kRdbOpSelectDb = 254,
  kRdbOpEof = 255,
};

// Length prefixes.
constexpr uint8_t kRdb6BitLen = 0;
constexpr uint8_t kRdb14BitLen = 1;
constexpr uint8_t kRdb32BitLen = 0x80;
constexpr uint8_t kRdb64BitLen = 0x81;
constexpr uint8_t kRdbEncVal = 3;
// Special string encodings (after 11 in the top bits).
constexpr uint8_t kRdbEncInt8 = 0;
constexpr uint8_t kRdbEncInt16 = 1;
constexpr uint8_t kRdbEncInt32 = 2;
constexpr uint8_t kRdbEncLzf = 3;

// Quicklist 2 node containers.
constexpr uint64_t kQuicklistNodePlain = 1;
constexpr uint64_t kQuicklistNodePacked = 2;

// Redis's quicklist compression rules, used to write the nodes Redis would
// hold compressed the way it writes them (list-compress-depth > 0).
constexpr size_t kQuicklistMinCompressBytes = 48;
constexpr size_t kQuicklistMinCompressImprove = 8;

// The LRU clock (seconds, 24 bits) wraps at this value.
constexpr uint32_t kLruClockMax = (1u << 24) - 1;

}  // namespace tachyon
