// ReplicationStream (see replication_stream.h).
#include "server/replication_stream.h"

#include <algorithm>
#include <cstring>

#include "core/zmalloc.h"

namespace tachyon {

namespace {

// n rounded up to a jemalloc size class above 16 KB (four per doubling):
// a 16 KB block with its header takes 20480 bytes, as in Redis.
size_t SizeClass(size_t n) {
  int lg = 0;
  while ((size_t{1} << (lg + 1)) < n) lg++;  // 2^lg < n <= 2^(lg+1)
  const size_t step = size_t{1} << (lg - 2);
  return (n + step - 1) & ~(step - 1);
}

}  // namespace

ReplicationStream::~ReplicationStream() {
  propagator_.RemoveSink(this);
  FreeAll();
}

void ReplicationStream::Start(size_t backlog_size) {
  if (active_) return;
  active_ = true;
  backlog_size_ = std::max<size_t>(backlog_size, 1);
  FreeAll();
  seldb_ = -1;
  propagator_.AddSink(this);
}

void ReplicationStream::Stop() {
  if (!active_) return;
  active_ = false;
  propagator_.RemoveSink(this);
  FreeAll();
}

void ReplicationStream::FreeAll() {
  for (Block* b : blocks_) ZFree(b);
  blocks_.clear();
  histlen_ = 0;
  memory_ = 0;
}

void ReplicationStream::Resize(size_t backlog_size) {
  backlog_size_ = std::max<size_t>(backlog_size, 1);
  if (active_) Trim();
}

void ReplicationStream::SetOffset(int64_t offset) {
  offset_ = offset;
  FreeAll();
  for (Reader& r : readers_) {
    r.pos = offset;
    r.referenced = false;
  }
  unreferenced_ = !readers_.empty();
}

void ReplicationStream::Append(const char* p, size_t n) {
  if (n == 0) return;
  offset_ += static_cast<int64_t>(n);
  if (!active_) return;
  histlen_ += n;
  if (unreferenced_) {
    for (Reader& r : readers_) r.referenced = true;
    unreferenced_ = false;
  }
  Block* tail = blocks_.empty() ? nullptr : blocks_.back();
  if (tail && tail->used < tail->size) {
    const size_t k = std::min(n, tail->size - tail->used);
    memcpy(tail->data + tail->used, p, k);
    tail->used += k;
    p += k;
    n -= k;
  }
  if (n == 0) return Trim();
  // The rest in one new block of at least kMinBlockData (as Redis's
  // feedReplicationBuffer), taking the allocator's whole size class (jemalloc
  // gives Redis 20480 bytes for 16 KB and the header). From the counted heap,
  // not pages: blocks come and go at the write rate, and the allocator
  // reuses them without a system call.
  const size_t mapped = SizeClass(sizeof(Block) + std::max(n, kMinBlockData));
  Block* b = static_cast<Block*>(ZMalloc(mapped));
  b->start = offset_ - static_cast<int64_t>(n);
  b->id = next_id_++;
  b->size = mapped - sizeof(Block);
  b->used = n;
  b->mapped = mapped;
  memcpy(b->data, p, n);
  blocks_.push_back(b);
  memory_ += mapped + kListNode;
  Trim();
}

void ReplicationStream::Trim() {
  // After every append, as Redis's feedReplicationBuffer: usually nothing to do.
  if (blocks_.size() <= 1 || histlen_ - blocks_.front()->used <= backlog_size_) return;
  int64_t min_pos = offset_;
  for (const Reader& r : readers_) min_pos = std::min(min_pos, r.pos);
  while (blocks_.size() > 1) {
    Block* front = blocks_.front();
    // The backlog keeps at least repl-backlog-size bytes; a reader keeps what it has not taken.
    if (histlen_ - front->used <= backlog_size_) break;
    if (front->start + static_cast<int64_t>(front->used) > min_pos) break;
    histlen_ -= front->used;
    memory_ -= front->mapped + kListNode;
    blocks_.pop_front();
    ZFree(front);
  }
}

size_t ReplicationStream::BlockAt(int64_t pos) const {
  // Blocks are in offset order: the last one whose start is <= pos.
  size_t lo = 0, hi = blocks_.size();
  while (hi - lo > 1) {
    const size_t mid = (lo + hi) / 2;
    if (blocks_[mid]->start <= pos) lo = mid;
    else hi = mid;
  }
  return lo;
}

bool ReplicationStream::Since(int64_t after, std::string* out) const {
  out->clear();
  if (!Holds(after)) return false;
  if (after == offset_) return true;
  for (size_t i = BlockAt(after); i < blocks_.size(); i++) {
    const Block* b = blocks_[i];
    const size_t skip = after > b->start ? static_cast<size_t>(after - b->start) : 0;
    if (skip < b->used) out->append(b->data + skip, b->used - skip);
  }
  return true;
}

const ReplicationStream::Reader* ReplicationStream::Find(int slot) const {
  for (const Reader& r : readers_) {
    if (r.slot == slot) return &r;
  }
  return nullptr;
}

bool ReplicationStream::Pin(int slot, int64_t after) {
  if (!active_ || !Holds(after)) return false;
  // Moved, not dropped and added: no trim in between may free its bytes.
  if (Reader* r = Find(slot)) {
    r->pos = after;
    r->referenced = after < offset_;
  } else {
    readers_.push_back({slot, after, after < offset_});
  }
  if (after == offset_) unreferenced_ = true;
  Trim();  // a moved reader may have held the oldest blocks
  return true;
}

void ReplicationStream::Unpin(int slot) {
  for (size_t i = 0; i < readers_.size(); i++) {
    if (readers_[i].slot != slot) continue;
    readers_.erase(readers_.begin() + static_cast<long>(i));
    Trim();
    return;
  }
}

int64_t ReplicationStream::position(int slot) const {
  const Reader* r = Find(slot);
  return r ? r->pos : -1;
}

std::vector<int> ReplicationStream::reader_slots() const {
  std::vector<int> out;
  for (const Reader& r : readers_) out.push_back(r.slot);
  return out;
}

int ReplicationStream::Gather(int slot, struct iovec* iov, int max) const {
  const Reader* r = Find(slot);
  if (!r || r->pos >= offset_ || blocks_.empty()) return 0;
  int n = 0;
  for (size_t i = BlockAt(r->pos); i < blocks_.size() && n < max; i++) {
    const Block* b = blocks_[i];
    const size_t skip = r->pos > b->start ? static_cast<size_t>(r->pos - b->start) : 0;
    if (skip >= b->used) continue;
    iov[n].iov_base = const_cast<char*>(b->data + skip);
    iov[n].iov_len = b->used - skip;
    n++;
  }
  return n;
}

void ReplicationStream::Advance(int slot, size_t n) {
  Reader* r = Find(slot);
  if (!r || n == 0) return;
  r->pos = std::min(offset_, r->pos + static_cast<int64_t>(n));
  Trim();  // the front block may be free now
}

size_t ReplicationStream::ReaderMemory(int slot, size_t* nblocks) const {
  if (nblocks) *nblocks = 0;
  const Reader* r = Find(slot);
  if (!r || !r->referenced || blocks_.empty()) return 0;
  const size_t i = BlockAt(r->pos);
  const Block* cur = blocks_[i];
  const Block* last = blocks_.back();
  const size_t count = blocks_.size() - i;
  if (nblocks) *nblocks = count;
  // Redis: last->repl_offset + last->size - cur->repl_offset, plus a header and node per block.
  return static_cast<size_t>(last->start - cur->start) + last->size + count * (kBlockHeader + kListNode);
}

void ReplicationStream::AppendCommand(const std::string_view* argv, size_t argc) {
  scratch_.clear();
  scratch_ += '*';
  scratch_ += std::to_string(argc);
  scratch_ += "\r\n";
  for (size_t i = 0; i < argc; i++) {
    scratch_ += '$';
    scratch_ += std::to_string(argv[i].size());
    scratch_ += "\r\n";
    scratch_.append(argv[i].data(), argv[i].size());
    scratch_ += "\r\n";
  }
  Append(scratch_.data(), scratch_.size());
}

void ReplicationStream::Feed(int db, const std::string_view* argv, size_t argc) {
  if (db != seldb_) {
    const std::string n = std::to_string(db);
    const std::string_view select[] = {"SELECT", n};
    AppendCommand(select, 2);
    seldb_ = db;
  }
  AppendCommand(argv, argc);
  if (on_data) on_data();
}

void ReplicationStream::FeedCommand(const std::string_view* argv, size_t argc) {
  AppendCommand(argv, argc);
  if (on_data) on_data();
}

void ReplicationStream::FeedRaw(const char* p, size_t n) {
  Append(p, n);
  if (on_data) on_data();
}

}  // namespace tachyon
