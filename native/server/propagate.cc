// Propagator (see propagate.h).
#include "server/propagate.h"

#include <algorithm>

namespace tachyon {

void Propagator::AddSink(PropagationSink* sink) {
  if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end()) sinks_.push_back(sink);
  sink_targets_ |= sink->target();
}

void Propagator::RemoveSink(PropagationSink* sink) {
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
  sink_targets_ = kPropagateNone;
  for (PropagationSink* s : sinks_) sink_targets_ |= s->target();
}

void Propagator::Emit(int db, const std::string_view* argv, size_t argc, uint8_t targets) {
  for (PropagationSink* s : sinks_) {
    if (s->target() & targets) s->Feed(db, argv, argc);
  }
}

void Propagator::SendPending(bool no_multi) {
  if (pending_.empty()) return;
  const bool wrap = pending_.size() > 1 && !no_multi;
  static const std::string_view kMulti[] = {"MULTI"};
  static const std::string_view kExec[] = {"EXEC"};
  // MULTI goes to the first operation's database (so SELECT comes before it),
  // EXEC to the last one's (so no SELECT comes before it).
  if (wrap) Emit(pending_.front().db, kMulti, 1, kPropagateAll);
  for (const Op& op : pending_) {
    scratch_.assign(op.argv.begin(), op.argv.end());
    Emit(op.db, scratch_.data(), scratch_.size(), op.targets);
  }
  if (wrap) Emit(pending_.back().db, kExec, 1, kPropagateAll);
  pending_.clear();
}

void Propagator::ExitCall(int db, bool changed, bool is_exec, const std::string_view* argv, size_t argc,
                          bool no_multi) {
  Frame frame = std::move(frames_.back());
  frames_.pop_back();
  frame.targets &= sink_targets_;
  const bool propagate = (changed || frame.forced) && !is_exec && !frame.prevented && frame.targets != kPropagateNone;
  if (frames_.empty() && pending_.empty() && propagate && !frame.rewritten) {
    Emit(db, argv, argc, frame.targets);  // the common case: one command, sent as is, no copy
    return;
  }
  if (propagate) {
    if (frame.rewritten) {
      pending_.push_back(Op{db, std::move(frame.argv), frame.targets});
    } else {
      pending_.push_back(Op{db, std::vector<std::string>(argv, argv + argc), frame.targets});
    }
  }
  if (frames_.empty()) SendPending(no_multi);
}

void Propagator::RewriteCurrent(std::vector<std::string> argv) {
  if (frames_.empty()) return;
  frames_.back().rewritten = true;
  frames_.back().argv = std::move(argv);
}

void Propagator::PreventCurrent() {
  if (!frames_.empty()) frames_.back().prevented = true;
}

void Propagator::ForceCurrent() {
  if (!frames_.empty()) frames_.back().forced = true;
}

void Propagator::Also(int db, std::vector<std::string> argv) {
  pending_.push_back(Op{db, std::move(argv)});
  if (frames_.empty()) SendPending();
}

void Propagator::Command(int db, std::vector<std::string> argv, uint8_t targets) {
  targets &= sink_targets_;
  if (targets == kPropagateNone) return;
  pending_.push_back(Op{db, std::move(argv), targets});
  if (frames_.empty()) SendPending();
}

void Propagator::KeyExpired(int db, std::string_view key, bool lazy_unlink) {
  pending_.push_back(Op{db, {lazy_unlink ? "UNLINK" : "DEL", std::string(key)}});
  if (frames_.empty()) SendPending();
}

}  // namespace tachyon
