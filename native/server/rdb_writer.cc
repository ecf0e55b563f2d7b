// RDB writer (see rdb_writer.h).
#include "server/rdb_writer.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/crc64.h"
#include "core/lzf.h"
#include "core/util.h"
#include "server/db.h"
#include "server/hash_value.h"
#include "server/list_value.h"
#include "server/rdb_format.h"
#include "server/rdb_stream.h"
#include "server/server.h"
#include "server/set_value.h"
#include "server/zset_value.h"

namespace tachyon {

namespace {

void PutLE64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

// rdbEncodeInteger: the int8/16/32 encodings; 0 if v needs more.
size_t EncodeInteger(int64_t v, unsigned char* enc) {
  if (v >= -(1 << 7) && v <= (1 << 7) - 1) {
    enc[0] = (kRdbEncVal << 6) | kRdbEncInt8;
    enc[1] = static_cast<unsigned char>(v & 0xff);
    return 2;
  }
  if (v >= -(1 << 15) && v <= (1 << 15) - 1) {
    enc[0] = (kRdbEncVal << 6) | kRdbEncInt16;
    enc[1] = static_cast<unsigned char>(v & 0xff);
    enc[2] = static_cast<unsigned char>((v >> 8) & 0xff);
    return 3;
  }
  if (v >= -(int64_t{1} << 31) && v <= (int64_t{1} << 31) - 1) {
    enc[0] = (kRdbEncVal << 6) | kRdbEncInt32;
    for (int i = 0; i < 4; i++) enc[1 + i] = static_cast<unsigned char>((v >> (8 * i)) & 0xff);
    return 5;
  }
  return 0;
}

}  // namespace

// ---- RdbOutput ----

void RdbOutput::UpdateCrc() {
  if (crc_pos_ < buf_.size()) {
    crc_ = Crc64(crc_, reinterpret_cast<const unsigned char*>(buf_.data()) + crc_pos_, buf_.size() - crc_pos_);
    crc_pos_ = buf_.size();
  }
}

uint64_t RdbOutput::crc() {
  UpdateCrc();
  return crc_;
}

bool RdbOutput::Flush() {
  if (fd_ < 0 || error_) return !error_;
  UpdateCrc();
  const char* p = buf_.data();
  size_t left = buf_.size();
  while (left > 0) {
    ssize_t n = write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = errno;
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  flushed_ += buf_.size();
  since_fsync_ += buf_.size();
  buf_.clear();
  crc_pos_ = 0;
  if (fsync_every_ > 0 && since_fsync_ >= fsync_every_) {
    if (fdatasync(fd_) != 0) {
      error_ = errno;
      return false;
    }
    since_fsync_ = 0;
  }
  return true;
}

// ---- primitives ----

void RdbWriter::SaveLen(uint64_t len) {
  unsigned char buf[9];
  if (len < (1 << 6)) {
    buf[0] = static_cast<unsigned char>((len & 0xff) | (kRdb6BitLen << 6));
    out_.Write(buf, 1);
  } else if (len < (1 << 14)) {
    buf[0] = static_cast<unsigned char>(((len >> 8) & 0xff) | (kRdb14BitLen << 6));
    buf[1] = static_cast<unsigned char>(len & 0xff);
    out_.Write(buf, 2);
  } else if (len <= UINT32_MAX) {
    buf[0] = kRdb32BitLen;
    for (int i = 0; i < 4; i++) buf[1 + i] = static_cast<unsigned char>(len >> (24 - 8 * i));
    out_.Write(buf, 5);
  } else {
    buf[0] = kRdb64BitLen;
    for (int i = 0; i < 8; i++) buf[1 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
    out_.Write(buf, 9);
  }
}

void RdbWriter::SaveLzfBlob(const unsigned char* data, size_t compressed_len, size_t original_len) {
  out_.WriteByte((kRdbEncVal << 6) | kRdbEncLzf);
  SaveLen(compressed_len);
  SaveLen(original_len);
  out_.Write(data, compressed_len);
}

void RdbWriter::SaveRawString(std::string_view s) {
  if (s.size() <= 11) {
    long long v;
    unsigned char enc[5];
    size_t n;
    if (String2ll(s, &v) && (n = EncodeInteger(v, enc)) > 0) {
      out_.Write(enc, n);
      return;
    }
  }
  // Under 21 bytes LZF cannot gain the 4 bytes it must.
  if (opt_.compress && s.size() > 20) {
    const size_t outlen = s.size() - 4;
    std::unique_ptr<unsigned char[]> buf(new unsigned char[outlen + 1]);
    size_t clen = LzfCompress(reinterpret_cast<const unsigned char*>(s.data()), s.size(), buf.get(), outlen);
    if (clen > 0) {
      SaveLzfBlob(buf.get(), clen, s.size());
      return;
    }
  }
  SaveLen(s.size());
  out_.Write(s.data(), s.size());
}

void RdbWriter::SaveLongLongAsString(int64_t v) {
  unsigned char enc[5];
  size_t n = EncodeInteger(v, enc);
  if (n > 0) {
    out_.Write(enc, n);
    return;
  }
  char buf[kLongStrSize];
  int len = Ll2String(buf, sizeof buf, v);
  SaveLen(static_cast<uint64_t>(len));
  out_.Write(buf, static_cast<size_t>(len));
}

void RdbWriter::SaveMillisecondTime(int64_t ms) {
  unsigned char buf[8];
  PutLE64(buf, static_cast<uint64_t>(ms));
  out_.Write(buf, 8);
}

void RdbWriter::SaveBinaryDouble(double d) {
  uint64_t bits;
  memcpy(&bits, &d, 8);
  unsigned char buf[8];
  PutLE64(buf, bits);
  out_.Write(buf, 8);
}

void RdbWriter::SaveAuxField(std::string_view key, std::string_view value) {
  SaveType(kRdbOpAux);
  SaveRawString(key);
  SaveRawString(value);
}

void RdbWriter::SaveAuxField(std::string_view key, int64_t value) {
  char buf[kLongStrSize];
  int len = Ll2String(buf, sizeof buf, value);
  SaveAuxField(key, std::string_view(buf, static_cast<size_t>(len)));
}

// ---- values ----

uint8_t RdbWriter::ObjectType(const Entry* e) {
  switch (e->type) {
    case kString: return kRdbTypeString;
    case kList: return kRdbTypeListQuicklist2;
    case kSet: return e->encoding == kEncIntset ? kRdbTypeSetIntset : kRdbTypeSet;
    case kZSet: return e->encoding == kEncListpack ? kRdbTypeZSetListpack : kRdbTypeZSet2;
    case kHash: return e->encoding == kEncListpack ? kRdbTypeHashListpack : kRdbTypeHash;
    case kStream: return kRdbTypeStreamListpacks2;
  }
  return kRdbTypeString;  // not reached: every type is listed
}

// Quicklist 2: node count, then per node its container and bytes. Nodes Redis
// would hold LZF-compressed (beyond list-compress-depth from either end, at
// least 48 bytes, compressing by more than 8 bytes) are written as Redis
// writes them: their compressed form as an LZF blob.
void RdbWriter::SaveQuicklist(const Entry* e) {
  const Quicklist& ql = e->as<ListValue>()->quicklist();
  SaveLen(ql.node_count());
  const size_t depth = static_cast<size_t>(ql.compress_depth());
  const size_t len = ql.node_count();
  size_t index = 0;
  for (const QuicklistNode* node = ql.head(); node; node = node->next, index++) {
    SaveLen(node->is_plain ? kQuicklistNodePlain : kQuicklistNodePacked);
    std::string_view bytes = node->is_plain ? std::string_view(node->plain) : node->lp.view();
    if (depth > 0 && len > 2 * depth && index >= depth && index < len - depth &&
        bytes.size() >= kQuicklistMinCompressBytes) {
      std::unique_ptr<unsigned char[]> buf(new unsigned char[bytes.size() + 1]);
      size_t clen = LzfCompress(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), buf.get(),
                                bytes.size());
      if (clen > 0 && clen + kQuicklistMinCompressImprove < bytes.size()) {
        SaveLzfBlob(buf.get(), clen, bytes.size());
        continue;
      }
    }
    SaveRawString(bytes);
  }
}

void RdbWriter::SaveObject(const Entry* e) {
  switch (e->type) {
    case kString:
      if (e->is_int()) {
        SaveLongLongAsString(e->int_value());
      } else {
        SaveRawString(e->str());
      }
      return;
    case kList:
      SaveQuicklist(e);
      return;
    case kSet: {
      auto* s = e->as<SetValue>();
      if (s->is_intset()) {
        SaveRawString(s->intset().view());
      } else {
        SaveLen(s->size());
        s->dict()->ForEachReadOnly([&](SetNode* n) { SaveRawString(n->member()); });
      }
      return;
    }
    case kZSet: {
      auto* z = e->as<ZSetValue>();
      if (z->is_listpack()) {
        SaveRawString(z->listpack().view());
      } else {
        const ZSkipList* zsl = z->skiplist();
        SaveLen(zsl->length());
        // From the tail, so a loader inserting in file order always inserts at the head.
        for (const ZSkipNode* n = zsl->last(); n; n = n->prev()) {
          SaveRawString(n->member());
          SaveBinaryDouble(n->score);
        }
      }
      return;
    }
    case kHash: {
      auto* h = e->as<HashValue>();
      if (h->is_listpack()) {
        SaveRawString(h->listpack().view());
      } else {
        SaveLen(h->size());
        h->dict()->ForEachReadOnly([&](HashNode* n) {
          SaveRawString(n->field());
          SaveRawString(n->value());
        });
      }
      return;
    }
    case kStream:
      SaveStreamObject(*this, *e->as<StreamValue>());
      return;
  }
}

void RdbWriter::SaveKeyValue(const Entry* e, int64_t expire_ms) {
  if (expire_ms != -1) {
    SaveType(kRdbOpExpireTimeMs);
    SaveMillisecondTime(expire_ms);
  }
  if (opt_.access == RdbSaveOptions::Access::kLru) {
    const uint32_t lru = e->lru & kLruClockMax;
    const uint64_t idle = opt_.lru_clock >= lru ? opt_.lru_clock - lru : opt_.lru_clock + (kLruClockMax - lru);
    SaveType(kRdbOpIdle);
    SaveLen(idle);
  } else if (opt_.access == RdbSaveOptions::Access::kLfu) {
    SaveType(kRdbOpFreq);
    out_.WriteByte(static_cast<uint8_t>(LfuDecayedCounter(e->lru, opt_.lfu_decay_time)));
  }
  SaveType(ObjectType(e));
  SaveRawString(e->key());
  SaveObject(e);
}

// ---- whole files ----

void RdbWriter::SaveHeader() {
  char magic[16];
  snprintf(magic, sizeof magic, "REDIS%04d", kRdbVersion);
  out_.Write(magic, 9);
  SaveAuxField("redis-ver", opt_.redis_ver);
  SaveAuxField("redis-bits", int64_t{64});
  SaveAuxField("ctime", opt_.ctime);
  SaveAuxField("used-mem", opt_.used_mem);
  if (opt_.repl_info) {
    SaveAuxField("repl-stream-db", int64_t{opt_.repl_stream_db});
    SaveAuxField("repl-id", opt_.repl_id);
    SaveAuxField("repl-offset", opt_.repl_offset);
  }
  SaveAuxField("aof-base", int64_t{opt_.aof_base ? 1 : 0});
}

void RdbWriter::SaveFunctions(const std::vector<std::string_view>& codes) {
  for (std::string_view code : codes) {
    SaveType(kRdbOpFunction2);
    SaveRawString(code);
  }
}

void RdbWriter::SaveDatabases(const std::vector<Db*>& dbs) {
  for (size_t i = 0; i < dbs.size(); i++) {
    Db* db = dbs[i];
    if (db->size() == 0) continue;
    SaveType(kRdbOpSelectDb);
    SaveLen(i);
    SaveType(kRdbOpResizeDb);
    SaveLen(db->size());
    SaveLen(db->expires_size());
    // Read-only iteration: in a fork()ed child, writing nothing keeps pages shared.
    db->keys().ForEachReadOnly([&](Entry* e) {
      SaveKeyValue(e, db->PeekExpire(e));
      if (opt_.key_save_delay) {
        out_.Flush();
        const int64_t ns = opt_.key_save_delay < 0 ? -opt_.key_save_delay : opt_.key_save_delay * 1000;
        struct timespec ts = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
        nanosleep(&ts, nullptr);
      }
    });
    if (out_.failed()) return;
  }
}

void RdbWriter::SaveTrailer() {
  SaveType(kRdbOpEof);
  unsigned char buf[8];
  PutLE64(buf, opt_.checksum ? out_.crc() : 0);
  out_.Write(buf, 8);
}

namespace {

// The DUMP footer: RDB version (u16 LE), then the CRC64 of everything (LE).
std::string FinishDumpPayload(RdbOutput& out) {
  const unsigned char version[2] = {kRdbVersion & 0xff, (kRdbVersion >> 8) & 0xff};
  out.Write(version, 2);
  unsigned char crc[8];
  PutLE64(crc, out.crc());
  out.Write(crc, 8);
  return std::move(out.buffer());
}

}  // namespace

std::string CreateDumpPayload(const Entry* e, bool compress) {
  RdbOutput out;
  RdbSaveOptions opt;
  opt.compress = compress;
  RdbWriter w(out, opt);
  w.SaveType(RdbWriter::ObjectType(e));
  w.SaveObject(e);
  return FinishDumpPayload(out);
}

std::string CreateFunctionDumpPayload(const std::vector<std::string_view>& codes, bool compress) {
  RdbOutput out;
  RdbSaveOptions opt;
  opt.compress = compress;
  RdbWriter w(out, opt);
  w.SaveFunctions(codes);
  return FinishDumpPayload(out);
}

}  // namespace tachyon
