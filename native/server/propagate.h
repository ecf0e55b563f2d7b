// The one propagation path: every change to the data, as the commands Redis
// 7.0 propagates for it, delivered to the consumers of the change stream (the
// AOF now, replicas later).
//
// Redis's model, kept here: while a top-level command runs, the operations it
// causes are collected -- keys found expired on the way (DEL, or UNLINK with
// lazyfree-lazy-expire), extra operations a command asks for (SPOP as SREM),
// commands run by EXEC -- and the command itself is added last if it changed
// the data (the dirty counter moved), as sent or in the form it asked for
// (SET EX as SET PXAT, EXPIRE as PEXPIREAT, INCRBYFLOAT as SET KEEPTTL...).
// When the top-level command ends, the batch goes out; a batch of more than
// one operation is wrapped in MULTI/EXEC so it applies atomically. EXEC
// itself is never propagated. Active expiry outside commands sends one DEL
// per key.
//
// Consumers see a flat sequence of (db, argv) and track the selected
// database themselves (emitting SELECT when it changes). Nothing is collected
// while there is no consumer, so the dispatcher pays one branch per command.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tachyon {

class PropagationSink {
 public:
  virtual void Feed(int db, const std::string_view* argv, size_t argc) = 0;

 protected:
  ~PropagationSink() = default;
};

class Propagator {
 public:
  void AddSink(PropagationSink* sink);
  void RemoveSink(PropagationSink* sink);
  bool active() const { return !sinks_.empty(); }

  // ---- used by the dispatcher around each command ----
  void EnterCall() { frames_.push_back(Frame{}); }
  // The command ran in db; `changed` is whether it moved the dirty counter.
  // argv is what the client sent. Sends the batch when the outermost call ends.
  void ExitCall(int db, bool changed, bool is_exec, const std::string_view* argv, size_t argc);

  // ---- used by command bodies (through CommandContext) ----
  // Propagate the running command as argv instead of what was sent.
  void RewriteCurrent(std::vector<std::string> argv);
  // Do not propagate the running command itself (extras still go).
  void PreventCurrent();
  // Propagate the running command even if it changed nothing (FLUSHDB on an empty db).
  void ForceCurrent();
  // An extra operation, propagated before the running command.
  void Also(int db, std::vector<std::string> argv);

  // A key deleted because it expired: inside a command it joins the batch,
  // outside (active expiry) it goes out at once.
  void KeyExpired(int db, std::string_view key, bool lazy_unlink);

 private:
  struct Op {
    int db;
    std::vector<std::string> argv;
  };
  struct Frame {
    bool rewritten = false;
    bool prevented = false;
    bool forced = false;
    std::vector<std::string> argv;
  };
  void Emit(int db, const std::string_view* argv, size_t argc);
  void SendPending();

  std::vector<PropagationSink*> sinks_;
  std::vector<Frame> frames_;
  std::vector<Op> pending_;
  std::vector<std::string_view> scratch_;
};

}  // namespace tachyon
