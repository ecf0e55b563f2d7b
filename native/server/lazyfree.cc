// The lazy free thread. See lazyfree.h.
#include "server/lazyfree.h"

#include <chrono>

#include "server/db.h"

namespace tachyon {

namespace {

// lazyfreeGetFreeEffort: how many blocks freeing the value touches.
size_t FreeEffort(const Entry* e) { return e->type == kString ? 1 : e->collection()->FreeEffort(); }

}  // namespace

LazyFree::~LazyFree() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LazyFree::IsLazy(FreeReason why) const {
  switch (why) {
    case FreeReason::kUnlink: return true;
    case FreeReason::kUserDel: return settings_.lazy_user_del;
    case FreeReason::kExpire: return settings_.lazy_expire;
    case FreeReason::kEvict: return settings_.lazy_eviction;
    case FreeReason::kServer: return settings_.lazy_server_del;
  }
  return false;
}

void LazyFree::FreeEntry(Entry* e, FreeReason why) {
  if (!IsLazy(why) || FreeEffort(e) <= kThreshold) {
    tachyon::FreeEntry(e);
    return;
  }
  Job job;
  job.entry = e;
  job.objects = 1;
  Submit(job);
}

void LazyFree::FreeTables(KeyTable* keys, ExpireTable* expires) {
  Job job;
  job.keys = keys;
  job.expires = expires;
  job.objects = keys->size();
  Submit(job);
}

void LazyFree::Trim() {
  Job job;
  job.trim = true;
  Submit(job);
}

void LazyFree::Submit(const Job& job) {
  pending_.fetch_add(job.objects, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(job);
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  wake_.notify_one();
}

void LazyFree::Run() {
  ZYieldWhileFreeing(kYieldEvery);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and nothing left
    Job job = jobs_.front();
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    if (job.entry) tachyon::FreeEntry(job.entry);
    if (job.trim) ZPurge();
    if (job.expires) {
      job.expires->Clear([](ExpireNode* x) { ZFree(x); });
      delete job.expires;
    }
    if (job.keys) {
      job.keys->Clear([](Entry* e) { tachyon::FreeEntry(e); });
      delete job.keys;
    }
    pending_.fetch_sub(job.objects, std::memory_order_relaxed);
    freed_.fetch_add(job.objects, std::memory_order_relaxed);
    lock.lock();
    busy_ = false;
    if (jobs_.empty()) drained_.notify_all();
  }
}

void LazyFree::Wait(uint64_t us) {
  std::unique_lock<std::mutex> lock(mu_);
  drained_.wait_for(lock, std::chrono::microseconds(us), [this] { return jobs_.empty() && !busy_; });
}

}  // namespace tachyon
