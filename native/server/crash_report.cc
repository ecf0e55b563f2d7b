// The crash report (see crash_report.h). Like Redis's, it is written from
// the signal handler with ordinary stdio and allocation: the process is
// going down, and a report that usually works beats none.
#include "server/crash_report.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "server/server.h"

namespace tachyon {

namespace {

Server* g_server = nullptr;
std::string g_logfile;
std::string g_pidfile;
std::string g_version = "unknown";
std::string g_context;
bool g_enabled = true;
bool g_installed = false;
int g_fd = -1;
bool g_started = false;

int LogFd() {
  if (g_fd >= 0) return g_fd;
  g_fd = g_logfile.empty() ? STDOUT_FILENO : open(g_logfile.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (g_fd < 0) g_fd = STDOUT_FILENO;
  return g_fd;
}

void Raw(const std::string& s) {
  const char* p = s.data();
  size_t n = s.size();
  while (n > 0) {
    ssize_t w = write(LogFd(), p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// One warning line in the log's format: "<pid>:M <dd Mon yyyy hh:mm:ss.mmm> # <msg>".
void Line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void Line(const char* fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char when[64];
  size_t off = strftime(when, sizeof when, "%d %b %Y %H:%M:%S.", &tm);
  snprintf(when + off, sizeof when - off, "%03d", static_cast<int>(tv.tv_usec / 1000));
  char line[2200];
  int n = snprintf(line, sizeof line, "%d:M %s # %s\n", static_cast<int>(getpid()), when, msg);
  if (n > 0) Raw(std::string(line, std::min<size_t>(static_cast<size_t>(n), sizeof line - 1)));
}

void ReportStart() {
  if (g_started) return;
  g_started = true;
  Raw("\n\n=== TACHYON BUG REPORT START: Cut & paste starting from here ===\n");
}

void StackTrace(void* eip) {
  void* trace[100];
  int n = backtrace(trace, 100);
  Raw("\n------ STACK TRACE ------\n");
  if (eip) {
    Raw("EIP:\n");
    backtrace_symbols_fd(&eip, 1, LogFd());
  }
  Raw("\nBacktrace:\n");
  // Skip this function.
  if (n > 1) backtrace_symbols_fd(trace + 1, n - 1, LogFd());
}

void* FaultingInstruction(ucontext_t* uc) {
#if defined(__linux__) && defined(__x86_64__)
  return reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__linux__) && defined(__aarch64__)
  return reinterpret_cast<void*>(uc->uc_mcontext.pc);
#else
  (void)uc;
  return nullptr;
#endif
}

void Registers(ucontext_t* uc) {
  Raw("\n------ REGISTERS ------\n");
#if defined(__linux__) && defined(__x86_64__)
  const greg_t* g = uc->uc_mcontext.gregs;
  auto r = [&](int i) { return static_cast<unsigned long>(g[i]); };
  Line("\nRAX:%016lx RBX:%016lx\nRCX:%016lx RDX:%016lx\nRDI:%016lx RSI:%016lx\nRBP:%016lx RSP:%016lx\n"
       "R8 :%016lx R9 :%016lx\nR10:%016lx R11:%016lx\nR12:%016lx R13:%016lx\nR14:%016lx R15:%016lx\n"
       "RIP:%016lx EFL:%016lx\nCSGSFS:%016lx",
       r(REG_RAX), r(REG_RBX), r(REG_RCX), r(REG_RDX), r(REG_RDI), r(REG_RSI), r(REG_RBP), r(REG_RSP), r(REG_R8),
       r(REG_R9), r(REG_R10), r(REG_R11), r(REG_R12), r(REG_R13), r(REG_R14), r(REG_R15), r(REG_RIP), r(REG_EFL),
       r(REG_CSGSFS));
  // The top of the stack, as Redis's logStackContent.
  unsigned long* sp = reinterpret_cast<unsigned long*>(g[REG_RSP]);
  for (int i = 15; i >= 0; i--) {
    Line("(%016lx) -> %016lx", reinterpret_cast<unsigned long>(sp + i), sp[i]);
  }
#else
  (void)uc;
  Line("  Dumping of registers not supported for this OS/arch");
#endif
}

// "\"...\"" with Redis's escaping (sdscatrepr).
std::string Repr(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (isprint(ch)) {
          out += static_cast<char>(ch);
        } else {
          char buf[8];
          snprintf(buf, sizeof buf, "\\x%02x", ch);
          out += buf;
        }
    }
  }
  return out + "\"";
}

// What the native side knows, for a crash outside DEBUG.
std::string NativeContext() {
  std::string s = "\n------ INFO OUTPUT ------\n";
  s += "# Server\r\nredis_version:7.0.15\r\ntachyon_version:" + g_version + "\r\nprocess_id:" +
       std::to_string(getpid()) + "\r\n";
  if (g_server) {
    const ServerStats& st = g_server->stats();
    s += "\r\n# Stats\r\ntotal_commands_processed:" + std::to_string(st.total_commands_processed) +
         "\r\nkeyspace_hits:" + std::to_string(st.keyspace_hits) + "\r\nkeyspace_misses:" +
         std::to_string(st.keyspace_misses) + "\r\n\r\n# Keyspace\r\n";
    for (int i = 0; i < g_server->db_count(); i++) {
      Db& db = g_server->db(i);
      if (db.size() == 0) continue;
      s += "db" + std::to_string(i) + ":keys=" + std::to_string(db.size()) + ",expires=" +
           std::to_string(db.expires_size()) + "\r\n";
    }
    s += "\n------ CLIENT LIST OUTPUT ------\n";
    for (int slot = 0;; slot++) {
      Client* c = g_server->client(slot);
      if (!c) {
        if (slot > 0 && !g_server->client(slot + 1) && !g_server->client(slot + 2)) break;
        if (slot > 100000) break;
        continue;
      }
      s += "id=" + std::to_string(c->id) + " addr=" + c->addr + " name=" + c->name + " db=" + std::to_string(c->db) +
           " cmd=" + (c->last_cmd ? c->last_cmd->name : "NULL") + " resp=" + std::to_string(c->resp) + "\n";
    }
  }
  return s;
}

void CurrentClient() {
  Client* c = g_server ? g_server->current_client() : nullptr;
  if (!c) return;
  if (g_context.empty()) {
    Raw("\n------ CURRENT CLIENT INFO ------\n");
    Raw("id=" + std::to_string(c->id) + " addr=" + c->addr + " name=" + c->name + " db=" + std::to_string(c->db) +
        "\n");
  }
  for (size_t j = 0; j < c->argv.size(); j++) {
    Raw("argv[" + std::to_string(j) + "]: '" + Repr(c->argv[j]) + "'\n");
  }
}

// TypeScript's context comes in two parts (split by a NUL): before the current
// client's arguments, and after the modules section.
void PrintCrashReport() {
  size_t split = g_context.find('\0');
  Raw(g_context.empty() ? NativeContext() : g_context.substr(0, split));
  CurrentClient();
  Raw("\n------ MODULES INFO OUTPUT ------\n");
  if (split != std::string::npos) Raw(g_context.substr(split + 1));
}

[[noreturn]] void ReportEnd(int sig) {
  Raw("\n=== TACHYON BUG REPORT END. Make sure to include from START to END. ===\n\n"
      "       Please report the crash with this report attached: the stack trace\n"
      "       above names the Tachyon (tachyon.node) or Node.js frame that failed.\n\n");
  if (!g_pidfile.empty()) unlink(g_pidfile.c_str());
  // Die by the same signal (a core dump if enabled), or abort() for a panic.
  struct sigaction act;
  memset(&act, 0, sizeof act);
  sigemptyset(&act.sa_mask);
  act.sa_handler = SIG_DFL;
  sigaction(sig ? sig : SIGABRT, &act, nullptr);
  if (sig) {
    kill(getpid(), sig);
    _exit(128 + sig);
  }
  abort();
}

using V8TrapHandler = bool (*)(int, siginfo_t*, void*);

void OnFatalSignal(int sig, siginfo_t* info, void* secret) {
  // V8 turns faults in WebAssembly bounds checks into traps: not a crash.
  static V8TrapHandler v8_trap = reinterpret_cast<V8TrapHandler>(
      dlsym(RTLD_DEFAULT, "_ZN2v829TryHandleWebAssemblyTrapPosixEiP9siginfo_tPv"));
  if ((sig == SIGSEGV || sig == SIGBUS) && v8_trap && v8_trap(sig, info, secret)) return;
  if (!g_enabled || g_started) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  ReportStart();
  Line("Tachyon %s crashed by signal: %d, si_code: %d", g_version.c_str(), sig, info->si_code);
  if (sig == SIGSEGV || sig == SIGBUS) Line("Accessing address: %p", info->si_addr);
  if (info->si_code == SI_USER && info->si_pid != -1) {
    Line("Killed by PID: %ld, UID: %d", static_cast<long>(info->si_pid), static_cast<int>(info->si_uid));
  }
  ucontext_t* uc = static_cast<ucontext_t*>(secret);
  void* eip = FaultingInstruction(uc);
  if (eip) Line("Crashed running the instruction at: %p", eip);
  StackTrace(eip);
  Registers(uc);
  PrintCrashReport();
  ReportEnd(sig);
}

}  // namespace

void InstallCrashHandler() {
  if (g_installed) return;
  g_installed = true;
  // Room to report a stack overflow.
  stack_t ss;
  ss.ss_size = 1 << 16;
  ss.ss_sp = malloc(ss.ss_size);
  ss.ss_flags = 0;
  if (ss.ss_sp) sigaltstack(&ss, nullptr);
  struct sigaction act;
  memset(&act, 0, sizeof act);
  sigemptyset(&act.sa_mask);
  act.sa_flags = SA_NODEFER | SA_SIGINFO | SA_ONSTACK;
  act.sa_sigaction = OnFatalSignal;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &act, nullptr);
}

void SetCrashServer(Server* s) { g_server = s; }
void ClearCrashServer(Server* s) {
  if (g_server == s) g_server = nullptr;
}
void SetCrashLogFile(const std::string& path) { g_logfile = path; }
void SetCrashPidFile(const std::string& path) { g_pidfile = path; }
void SetCrashVersion(const std::string& version) { g_version = version; }
void SetCrashLogEnabled(bool enabled) { g_enabled = enabled; }
void SetCrashContext(std::string text) { g_context = std::move(text); }

void CrashPanic(const char* file, int line, const std::string& msg) {
  ReportStart();
  Line("------------------------------------------------");
  Line("!!! Software Failure. Press left mouse button to continue");
  Line("Guru Meditation: %s #%s:%d", msg.c_str(), file, line);
  if (g_enabled) {
    StackTrace(nullptr);
    PrintCrashReport();
  }
  ReportEnd(0);
}

void CrashAssert(const char* file, int line, const char* expr) {
  ReportStart();
  Line("=== ASSERTION FAILED ===");
  Line("==> %s:%d '%s' is not true", file, line, expr);
  if (g_enabled) {
    StackTrace(nullptr);
    PrintCrashReport();
  }
  ReportEnd(0);
}

void CrashSegfault() {
  // A write to a read-only page: a real SIGSEGV, reported by the handler.
  void* p = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *static_cast<volatile char*>(p) = 'x';
  abort();
}

}  // namespace tachyon
