// RDB reader: values (RESTORE payloads, snapshot entries) and whole snapshot
// files of RDB versions 1 to 10, converted on load as Redis 7.0 converts them:
//
//   zipmap hashes (v <= 3)            -> listpack, or hashtable past the limits
//   ziplist hashes / zsets (v 4..9)   -> listpack, or hashtable / skiplist
//   ziplist lists, old quicklists     -> quicklist of listpack nodes
//   plain lists, sets, zsets, hashes  -> built element by element with the
//                                        current encoding thresholds
//   intsets                           -> kept as they are (integer width too)
//   streams (types 15 and 19)         -> StreamValue (rdb_stream.h)
//
// Empty collections are reported (not stored), as Redis skips them.
//
// Untrusted bytes are always checked deeply, whatever sanitize-dump-payload
// says: every listpack, ziplist, zipmap and intset is validated entry by
// entry, hash fields and zset members must be unique, zset listpacks sorted
// with valid scores, lengths are checked against the input left before
// anything is allocated. Redis skips the deep checks by default and may crash
// later on a bad payload; Tachyon refuses it instead ("Bad data format" for
// RESTORE, an error naming the offset for files).
//
// Errors are thrown as RdbError and caught by the callers (RESTORE, the
// snapshot loader); every partly built value is freed on the way.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/object.h"

namespace tachyon {

class ByteFeed;
class Db;
struct Settings;

struct RdbError {
  bool eof;             // the input ended early (else: corrupt content)
  std::string message;  // Redis's text where Redis has one
  uint64_t offset;      // input offset where the problem was found
};

// Bytes to decode: a memory block, a file read through a buffer, or a feed of
// bytes still arriving (a master's socket, byte_feed.h) read the same way.
class RdbInput {
 public:
  RdbInput(const unsigned char* data, size_t len) : mem_(data), mem_len_(len) {}
  // From fd, starting at its current position; `size` is what is left in the
  // file (lengths beyond it are refused before allocating). `progress`, if
  // given, is updated with the offset as the input is consumed.
  RdbInput(int fd, uint64_t size, std::atomic<uint64_t>* progress = nullptr);
  // From a feed whose total is unknown: lengths wait for their bytes
  // (Require) before anything is allocated.
  explicit RdbInput(ByteFeed* feed, std::atomic<uint64_t>* progress = nullptr);
  RdbInput(const RdbInput&) = delete;
  RdbInput& operator=(const RdbInput&) = delete;

  void Read(void* dst, size_t n);
  uint8_t ReadByte() {
    uint8_t b;
    Read(&b, 1);
    return b;
  }
  uint64_t offset() const { return consumed_base_ + pos_; }
  // Bytes the input can still deliver (a feed: those that arrived so far).
  uint64_t remaining() const;
  // CRC64 of every byte consumed since the start.
  uint64_t crc();

  [[noreturn]] void Eof() const;
  [[noreturn]] void Corrupt(std::string message) const;
  // Throws an EOF error unless n more bytes are available.
  void Require(uint64_t n) const {
    if (n > remaining() && !WaitForFeed(n)) Eof();
  }
  // A feed: the bytes buffered here but not consumed (what followed the end).
  std::string TakeBuffered();

 private:
  bool Refill();
  bool buffered() const { return fd_ >= 0 || feed_ != nullptr; }
  // A feed: waits until n bytes can be delivered; false if it ended short.
  bool WaitForFeed(uint64_t n) const;
  // Memory mode.
  const unsigned char* mem_ = nullptr;
  size_t mem_len_ = 0;
  // File mode: buf_[pos_, len_) is buffered; consumed_base_ counts the bytes
  // consumed before buf_[0].
  int fd_ = -1;
  uint64_t file_left_ = 0;  // bytes of the file not read into buf_ yet
  ByteFeed* feed_ = nullptr;  // feed mode
  std::vector<unsigned char> buf_;
  size_t len_ = 0;
  size_t pos_ = 0;
  uint64_t consumed_base_ = 0;
  uint64_t crc_ = 0;
  size_t crc_pos_ = 0;  // bytes of buf_ (or mem_) already in crc_
  std::atomic<uint64_t>* progress_ = nullptr;
};

// Encoding thresholds in force when loading (server settings).
struct RdbLoadLimits {
  size_t hash_max_listpack_entries = 512;
  size_t hash_max_listpack_value = 64;
  size_t set_max_intset_entries = 512;
  size_t zset_max_listpack_entries = 128;
  size_t zset_max_listpack_value = 64;
  int list_fill = -2;
  int list_compress_depth = 0;
  static RdbLoadLimits From(const Settings& s);
};

// A decoded value, before it becomes a keyspace entry.
struct LoadedValue {
  ObjType type = kString;
  ObjEncoding encoding = kEncRaw;
  std::string str;                   // strings
  std::unique_ptr<Collection> coll;  // every other type
};

class RdbReader {
 public:
  RdbReader(RdbInput& in, const RdbLoadLimits& limits, int rdb_version = 10)
      : in_(in), limits_(limits), version_(rdb_version) {}

  RdbInput& input() { return in_; }
  int version() const { return version_; }

  uint8_t LoadType() { return in_.ReadByte(); }
  // A length; *encoded is set (and the 6-bit encoding returned) for the
  // special string encodings when `encoded` is given, which is an error otherwise.
  uint64_t LoadLen(bool* encoded = nullptr);
  // A string in any of its encodings (int8/16/32, LZF, plain).
  std::string LoadString();
  int64_t LoadMillisecondTime();
  double LoadBinaryDouble();
  double LoadTextDouble();  // old ZSET scores

  // Decodes a value of RDB type `type`. Returns false for an empty
  // collection (which Redis skips). Throws RdbError.
  bool LoadObject(uint8_t type, LoadedValue* out);

 private:
  bool LoadList(LoadedValue* out);
  bool LoadSet(LoadedValue* out);
  bool LoadZSet(uint8_t type, LoadedValue* out);
  bool LoadHash(LoadedValue* out);
  bool LoadQuicklist(uint8_t type, LoadedValue* out);
  bool LoadEncodedBlob(uint8_t type, LoadedValue* out);
  // Elements come one byte each at least: refuses counts the input cannot hold.
  void CheckCount(uint64_t n) { in_.Require(n); }

  RdbInput& in_;
  const RdbLoadLimits& limits_;
  int version_;
};

// The keyspace entry for a decoded value (strings get Redis's encoding for
// their content: int, embstr or raw).
Entry* MakeLoadedEntry(std::string_view key, LoadedValue& v);

// ---- Whole snapshot files ----

struct RdbLoadOptions {
  RdbLoadLimits limits;
  int64_t now_ms = 0;
  bool aof_preamble = false;     // the RDB part of an AOF: keep keys already expired
  bool verify_checksum = true;   // rdbchecksum yes (and no skip-checksum-validation)
  bool lfu = false;              // maxmemory-policy is an LFU one: apply FREQ, else IDLE
  uint32_t lru_clock = 0;
  int64_t key_load_delay = 0;    // key-load-delay (tests): pause per key, microseconds (negative: ns)
  bool from_socket = false;      // diskless loading: errors end with Redis's socket wording
  bool replica = false;          // loading as a replica: keys already expired are kept (the master deletes them)
  // Set from the used-mem AUX field as soon as it is read (INFO loading_rdb_used_mem).
  std::atomic<int64_t>* rdb_used_mem = nullptr;
  // Log lines as Redis writes them; level 0 debug, 1 verbose, 2 notice, 3 warning.
  std::function<void(int level, const std::string& text)> log;
};

struct RdbLoadResult {
  bool ok = false;
  int version = 0;
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;
  uint64_t empty_keys_skipped = 0;
  uint64_t end_offset = 0;       // where the RDB ended (an AOF tail may follow)
  bool aof_base = false;         // AUX aof-base / aof-preamble said so
  std::vector<std::string> function_libraries;  // FUNCTION2 records, for the functions module
  // AUX repl-id / repl-offset / repl-stream-db (empty id: none), for a replica restarting.
  std::string repl_id;
  int64_t repl_offset = -1;
  int repl_stream_db = 0;
  std::string error;             // the failure, as logged
};

// Loads a snapshot into dbs (database i into dbs[i], which must be empty),
// logging as Redis does. On failure result->ok is false and the databases
// hold what was loaded so far.
void RdbLoadSnapshot(RdbInput& in, const std::vector<Db*>& dbs, const RdbLoadOptions& opt, RdbLoadResult* result);

// ---- DUMP payloads (value + RDB version u16 LE + CRC64 LE) ----

constexpr size_t kDumpFooterSize = 10;
// rdbIsObjectType for RDB version 10: a type byte RESTORE may start with.
bool IsRdbObjectType(uint8_t t);
// verifyDumpPayload: a footer, a version this reader knows, and (unless
// skip_checksum: DEBUG SET-SKIP-CHECKSUM-VALIDATION) a matching CRC.
bool VerifyDumpPayload(std::string_view payload, bool skip_checksum);
// FUNCTION RESTORE: the library codes of a FUNCTION DUMP payload; false with
// Redis's error reply text in *error.
bool ParseFunctionDumpPayload(std::string_view payload, bool skip_checksum, std::vector<std::string>* codes,
                              std::string* error);

}  // namespace tachyon
