// RDB writer: keyspace values, DUMP payloads and whole snapshot files in the
// byte format of Redis 7.0 (RDB version 10, see rdb_format.h).
//
// Byte-identical output is the goal: for the same value and encoding the
// writer emits exactly what Redis's rdbSaveObject emits -- integer-looking
// strings of up to 11 bytes as int8/16/32, strings over 20 bytes LZF-compressed
// when that saves at least 4 bytes (rdbcompression), listpacks and intsets as
// their blobs, quicklist nodes as container + listpack (LZF blobs for the
// nodes Redis would hold compressed under list-compress-depth), skiplist
// zsets from the highest score down with binary doubles, streams as
// rdb_stream.h says. Hashtable sets and hashes come out in this process's
// table order, as they do in Redis's.
//
// RdbOutput collects bytes in memory and, when given a file descriptor,
// writes them out in large chunks; the CRC64 is computed over each chunk as
// it leaves. Nothing here allocates through anything but malloc or calls
// into Node, so a fork()ed child may run it (see snapshot.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/object.h"

namespace tachyon {

class Db;

class RdbOutput {
 public:
  RdbOutput() = default;  // in memory: everything stays in buffer()
  // To a file: written in chunks; with fsync_every > 0, fsync()ed each time
  // that many more bytes were written (rdb-save-incremental-fsync).
  RdbOutput(int fd, size_t fsync_every) : fd_(fd), fsync_every_(fsync_every) {}
  RdbOutput(const RdbOutput&) = delete;
  RdbOutput& operator=(const RdbOutput&) = delete;

  void Write(const void* p, size_t n) {
    buf_.append(static_cast<const char*>(p), n);
    if (fd_ >= 0 && buf_.size() >= kChunk) Flush();
  }
  void WriteByte(uint8_t b) { Write(&b, 1); }

  // The CRC64 of everything written so far (chunks written out included).
  uint64_t crc();
  // Writes out what is buffered (file mode). False once any write failed.
  bool Flush();
  bool failed() const { return error_ != 0; }
  int error() const { return error_; }  // errno of the failed write
  uint64_t bytes() const { return flushed_ + buf_.size(); }
  std::string& buffer() { return buf_; }

 private:
  static constexpr size_t kChunk = 256 * 1024;
  void UpdateCrc();
  std::string buf_;
  size_t crc_pos_ = 0;  // bytes of buf_ already in crc_
  uint64_t crc_ = 0;
  int fd_ = -1;
  size_t fsync_every_ = 0;
  uint64_t flushed_ = 0;
  uint64_t since_fsync_ = 0;
  int error_ = 0;
};

// What an RDB carries besides the data, and how values are written.
struct RdbSaveOptions {
  bool compress = true;   // rdbcompression: LZF for strings over 20 bytes
  bool checksum = true;   // rdbchecksum: else the trailer is 0
  // IDLE (LRU policies) or FREQ (LFU policies) before each key, from Entry::lru.
  enum class Access : uint8_t { kNone, kLru, kLfu } access = Access::kNone;
  uint32_t lru_clock = 0;  // the LRU clock at save time (seconds, 24 bits)
  int lfu_decay_time = 1;
  // AUX fields.
  std::string redis_ver = "7.0.15";
  int64_t ctime = 0;     // unix seconds
  int64_t used_mem = 0;  // bytes
  bool aof_base = false;  // written as the base of an AOF (aof-base 1)
  bool repl_info = false;  // repl-stream-db / repl-id / repl-offset
  int repl_stream_db = 0;
  std::string repl_id;
  int64_t repl_offset = 0;
  // rdb-key-save-delay (tests): pause after each key, microseconds (negative: nanoseconds).
  int64_t key_save_delay = 0;
};

class RdbWriter {
 public:
  RdbWriter(RdbOutput& out, const RdbSaveOptions& opt) : out_(out), opt_(opt) {}

  RdbOutput& output() { return out_; }
  const RdbSaveOptions& options() const { return opt_; }

  // ---- primitives (rdbSaveType, rdbSaveLen, rdbSaveRawString, ...) ----
  void SaveType(uint8_t type) { out_.WriteByte(type); }
  void SaveLen(uint64_t len);
  // A string: integer encoding when it is a canonical integer of at most 11
  // bytes that fits 32 bits, LZF when compressing and longer than 20 bytes
  // and it saves 4 bytes or more, else length + bytes.
  void SaveRawString(std::string_view s);
  // An integer as a string: int8/16/32 encoding, else its decimal digits.
  void SaveLongLongAsString(int64_t v);
  void SaveLzfBlob(const unsigned char* data, size_t compressed_len, size_t original_len);
  void SaveMillisecondTime(int64_t ms);  // 8 bytes little endian
  void SaveBinaryDouble(double d);       // 8 bytes little endian IEEE 754
  void SaveAuxField(std::string_view key, std::string_view value);
  void SaveAuxField(std::string_view key, int64_t value);

  // ---- values ----
  // The RDB type byte for a value (rdbSaveObjectType).
  static uint8_t ObjectType(const Entry* e);
  // The value of e (rdbSaveObject).
  void SaveObject(const Entry* e);
  // [EXPIRETIME_MS] [IDLE|FREQ] type key value; expire_ms -1 for none.
  void SaveKeyValue(const Entry* e, int64_t expire_ms);

  // ---- whole files ----
  // "REDIS0010" and the AUX fields.
  void SaveHeader();
  // Function libraries: per library the FUNCTION2 opcode and its code as a
  // string (rdbSaveFunctions; also the body of FUNCTION DUMP).
  void SaveFunctions(const std::vector<std::string_view>& codes);
  // Every non-empty database with SELECTDB and RESIZEDB. `dbs[i]` is database i.
  void SaveDatabases(const std::vector<Db*>& dbs);
  // EOF and the checksum trailer.
  void SaveTrailer();

 private:
  void SaveQuicklist(const Entry* e);
  RdbOutput& out_;
  const RdbSaveOptions& opt_;
};

// The DUMP payload of a value: type, value, RDB version (u16 LE) and the
// CRC64 of all that (LE).
std::string CreateDumpPayload(const Entry* e, bool compress);
// FUNCTION DUMP's payload: the libraries' FUNCTION2 records, then the same footer.
std::string CreateFunctionDumpPayload(const std::vector<std::string_view>& codes, bool compress);

}  // namespace tachyon
