// Database key operations: lazy and active expiry, add/replace/delete. See db.h.
#include "server/db.h"

#include <malloc.h>
#include <sys/time.h>

#include <chrono>
#include <cstdlib>
#include <new>
#include <string>

#include "core/hash.h"
#include "core/zmalloc.h"

namespace tachyon {

int64_t NowUs() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
}
int64_t NowMs() { return NowUs() / 1000; }

uint32_t KeyHash(std::string_view key) { return static_cast<uint32_t>(HashBytes(key.data(), key.size())); }

Db::~Db() { Clear(); }

Entry* Db::FindRaw(std::string_view key) { return keys_.Find(key, KeyHash(key)); }

Entry* Db::Lookup(std::string_view key, int64_t now_ms) {
  uint32_t h = KeyHash(key);
  Entry* e = keys_.Find(key, h);
  if (e && e->has_expire()) {
    ExpireNode* x = expires_.Find(key, h);
    if (x && x->when_ms < now_ms) {  // Redis: expired once now > when
      const auto mode = observer_ ? observer_->expiry_mode() : KeyspaceObserver::ExpiryMode::kExpire;
      if (mode == KeyspaceObserver::ExpiryMode::kKeep) return e;
      if (mode == KeyspaceObserver::ExpiryMode::kHide) return nullptr;
      DeleteExpired(e, key);
      return nullptr;
    }
  }
  return e;
}

void Db::DeleteExpired(Entry* e, std::string_view key) {
  (void)e;
  if (observer_) observer_->OnKeyExpired(id_, key);
  Delete(key, FreeReason::kExpire);
  expired_keys++;
}

void Db::Release(Entry* e, FreeReason why) {
  if (lazyfree_) lazyfree_->FreeEntry(e, why);
  else FreeEntry(e);
}

void Db::Add(Entry* e) {
  AddLoaded(e);
  if (observer_) observer_->OnKeyAdded(id_, e->key());
}

void Db::AddLoaded(Entry* e) {
  e->lru = clock_->new_stamp;
  keys_.Insert(e, e->hash);
}

Entry* Db::Replace(Entry* e, bool keep_ttl) {
  Entry** link = keys_.FindLink(e->key(), e->hash);
  Entry* old = *link;
  // An overwritten key keeps its access frequency under LFU, as in Redis.
  e->lru = clock_->lfu ? old->lru : clock_->new_stamp;
  e->next = old->next;
  *link = e;
  if (old->has_expire()) {
    ExpireNode* x = expires_.Find(old->key(), old->hash);
    if (keep_ttl) {
      x->entry = e;
      e->flags |= kHasExpire;
    } else {
      ZFree(expires_.Remove(old->key(), old->hash));
    }
  }
  Release(old, FreeReason::kServer);
  return e;
}

Entry* Db::Set(Entry* e, bool keep_ttl) {
  if (keys_.FindLink(e->key(), e->hash)) return Replace(e, keep_ttl);
  Add(e);
  return e;
}

Entry* Db::ResizeString(Entry* e, size_t capacity) {
  std::string_view key = e->key();
  Entry** link = keys_.FindLink(key, e->hash);
  ExpireNode* x = e->has_expire() ? expires_.Find(key, e->hash) : nullptr;
  Entry* n = static_cast<Entry*>(ZRealloc(e, kEntryHeader + e->keylen + capacity));
  if (!n) throw std::bad_alloc();
  n->flags |= kGrownString;
  *link = n;
  if (x) x->entry = n;
  return n;
}

bool Db::Delete(std::string_view key, FreeReason why) {
  uint32_t h = KeyHash(key);
  Entry* e = keys_.Remove(key, h);
  if (!e) return false;
  if (e->has_expire()) ZFree(expires_.Remove(key, h));
  Release(e, why);
  return true;
}

Entry* Db::Detach(std::string_view key, int64_t* expire_ms) {
  uint32_t h = KeyHash(key);
  *expire_ms = -1;
  Entry* e = keys_.Remove(key, h);
  if (!e) return nullptr;
  if (e->has_expire()) {
    ExpireNode* x = expires_.Remove(key, h);
    *expire_ms = x->when_ms;
    ZFree(x);
    e->flags &= ~kHasExpire;
  }
  return e;
}

int64_t Db::GetExpire(const Entry* e) {
  if (!e->has_expire()) return -1;
  ExpireNode* x = expires_.Find(e->key(), e->hash);
  return x ? x->when_ms : -1;
}

void Db::SetExpire(Entry* e, int64_t when_ms) {
  if (e->has_expire()) {
    expires_.Find(e->key(), e->hash)->when_ms = when_ms;
    return;
  }
  ExpireNode* x = static_cast<ExpireNode*>(ZMalloc(sizeof(ExpireNode)));
  if (!x) throw std::bad_alloc();
  x->next = nullptr;
  x->entry = e;
  x->when_ms = when_ms;
  expires_.Insert(x, e->hash);
  e->flags |= kHasExpire;
}

bool Db::RemoveExpire(Entry* e) {
  if (!e->has_expire()) return false;
  ZFree(expires_.Remove(e->key(), e->hash));
  e->flags &= ~kHasExpire;
  return true;
}

size_t Db::Clear(bool async) {
  size_t n = keys_.size();
  if (async && lazyfree_) {
    lazyfree_->FreeTables(new KeyTable(std::move(keys_)), new ExpireTable(std::move(expires_)));
    return n;
  }
  expires_.Clear([](ExpireNode* x) { ZFree(x); });
  keys_.Clear([](Entry* e) { FreeEntry(e); });
  return n;
}

// Redis's active expiry: sample keys with a TTL, delete the expired ones, and keep
// going while more than ~10% of the sample was expired and time remains.
size_t Db::ActiveExpire(int64_t now_ms, int64_t deadline_us, int effort, size_t* stale_left) {
  const size_t per_loop = 20 + 5 * static_cast<size_t>(effort - 1);
  const size_t acceptable_stale = 10 - static_cast<size_t>(effort - 1);
  size_t total = 0;
  Entry* victims[64];
  int iterations = 0;
  while (expires_.size() > 0) {
    size_t sampled = 0, n = 0;
    expires_.Sample(per_loop, [&](ExpireNode* x) {
      sampled++;
      if (x->when_ms < now_ms && n < 64) victims[n++] = x->entry;
    });
    for (size_t i = 0; i < n; i++) {
      bool seen = false;  // a sample taken while rehashing may repeat a node
      for (size_t j = 0; j < i; j++) seen |= victims[j] == victims[i];
      if (!seen) {
        std::string_view key = victims[i]->key();
        // Copy the key: Delete frees the entry that holds it.
        char buf[256];
        std::string big;
        std::string_view k;
        if (key.size() <= sizeof buf) {
          memcpy(buf, key.data(), key.size());
          k = std::string_view(buf, key.size());
        } else {
          big.assign(key);
          k = big;
        }
        if (observer_) observer_->OnKeyExpired(id_, k);
        if (Delete(k, FreeReason::kExpire)) {
          expired_keys++;
          total++;
        }
      }
    }
    if (sampled == 0) break;
    *stale_left = n * 100 / sampled;
    if (n * 100 <= sampled * acceptable_stale) break;
    if ((++iterations & 15) == 0 && NowUs() >= deadline_us) break;
  }
  return total;
}

}  // namespace tachyon
