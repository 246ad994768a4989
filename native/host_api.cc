#include "host_api.h"

#include <stdarg.h>
#include <stdio.h>

#include "instance_events.h"
#include "library.h"

namespace flbhost {

namespace {

thread_local HostInstance* tls_current_instance = nullptr;
// Plugins (calyptia's logger, fluent-bit-go users) call log_check(ins, level)
// and then log_print from the same C function. The instance of that check is
// the one the plugin meant, even from a goroutine's thread, or when it logs
// for another instance than the one being called: it names the next line,
// and is then forgotten so that it never goes stale.
thread_local HostInstance* tls_last_checked_instance = nullptr;

HostInstance* AsInstance(void* ins) {
  auto* instance = static_cast<HostInstance*>(ins);
  if (instance == nullptr || instance->magic != HostInstance::kMagic) return nullptr;
  return instance;
}

// output_get_property, input_get_property and custom_get_property: what
// FLBPluginConfigKey ends in.
const char* GetProperty(const char* key, void* ins) {
  HostInstance* instance = AsInstance(ins);
  return instance ? instance->properties.Lookup(key) : nullptr;
}

void* GetCmtInstance(void* ins) {
  HostInstance* instance = AsInstance(ins);
  return instance ? instance->cmt : nullptr;
}

int LogCheck(void* ins, int level) {
  HostInstance* instance = AsInstance(ins);
  if (instance == nullptr) return level > FLB_LOG_OFF && level <= FLB_LOG_INFO;
  tls_last_checked_instance = instance;
  return level > FLB_LOG_OFF && level <= instance->log_level.load(std::memory_order_relaxed);
}

const char* LevelName(int level) {
  switch (level) {
    case FLB_LOG_ERROR: return "error";
    case FLB_LOG_WARN: return "warn";
    case FLB_LOG_INFO: return "info";
    case FLB_LOG_DEBUG: return "debug";
    case FLB_LOG_TRACE: return "trace";
    default: return "info";
  }
}

std::string FormatMessage(const char* fmt, va_list args) {
  if (fmt == nullptr) return "";
  char stack[512];
  va_list copy;
  va_copy(copy, args);
  int length = vsnprintf(stack, sizeof(stack), fmt, copy);
  va_end(copy);
  if (length < 0) return std::string("(unformattable log message: ") + fmt + ")";
  std::string message;
  if (static_cast<size_t>(length) < sizeof(stack)) {
    message.assign(stack, length);
  } else {
    message.resize(length);
    vsnprintf(&message[0], length + 1, fmt, args);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
    message.pop_back();
  }
  return message;
}

void QueueLogLine(Library* library, HostInstance* instance, int level, const char* file,
                  int line, std::string message);

// Variadic because Fluent Bit's is: cgo cannot call variadic functions, so Go
// plugins go through a C shim that calls this as (level, NULL, 0, "%s", msg).
// Callable from any thread; it never touches V8, it only queues a line.
// noexcept with a catch-all: a C++ exception must never unwind into C or Go
// frames (that ends the process).
__attribute__((noinline)) void LogPrint(int level, const char* file, int line,
                                        const char* fmt, ...) noexcept {
  HostInstance* instance =
      tls_last_checked_instance ? tls_last_checked_instance : tls_current_instance;
  tls_last_checked_instance = nullptr;
  Library* library = instance ? instance->library.get()
                              : Library::FromCodeAddress(__builtin_return_address(0));
  try {
    va_list args;
    va_start(args, fmt);
    std::string message = FormatMessage(fmt, args);
    va_end(args);
    QueueLogLine(library, instance, level, file, line, std::move(message));
  } catch (...) {
    fprintf(stderr, "[flbhost] [%s] a log line was lost (out of memory)\n",
            library ? library->name().c_str() : "plugin");
  }
}

void QueueLogLine(Library* library, HostInstance* instance, int level, const char* file,
                  int line, std::string message) {
  LogRecord record;
  record.level = level;
  record.plugin = library ? library->name() : "";
  record.instance_id = instance ? instance->id : 0;
  record.file = file ? file : "";
  record.line = line;
  record.message = std::move(message);

  std::shared_ptr<InstanceEvents> events =
      instance ? instance->events.lock() : (library ? library->log_events() : nullptr);
  if (events && events->Log(std::move(record))) return;
  // Nobody left to log to (shutting down, or never attached).
  fprintf(stderr, "[flbhost] [%s] [%s] %s\n", LevelName(level),
          library ? library->name().c_str() : "plugin", record.message.c_str());
}

flb_api g_api = {
    /* output_get_property     */ GetProperty,
    /* input_get_property      */ GetProperty,
    /* output_get_cmt_instance */ GetCmtInstance,
    /* input_get_cmt_instance  */ GetCmtInstance,
    /* log_print               */ LogPrint,
    /* input_log_check         */ LogCheck,
    /* output_log_check        */ LogCheck,
    /* custom_get_property     */ GetProperty,
    /* custom_log_check        */ LogCheck,
};

}  // namespace

flb_api* HostApi() { return &g_api; }

void EnsureMetricsContext(HostInstance* instance) {
  const PluginSymbols& symbols = instance->library->symbols();
  if (instance->cmt == nullptr && symbols.cmt_create != nullptr) {
    CurrentInstanceScope scope(instance);
    instance->cmt = symbols.cmt_create();
  }
}

std::string EncodeMetrics(HostInstance* instance) {
  const PluginSymbols& symbols = instance->library->symbols();
  if (instance->cmt == nullptr || symbols.cmt_encode_prometheus_create == nullptr) return "";
  CurrentInstanceScope scope(instance);
  char* text = symbols.cmt_encode_prometheus_create(instance->cmt, 0);
  if (text == nullptr) return "";
  std::string copy(text);
  if (symbols.cmt_encode_prometheus_destroy != nullptr) symbols.cmt_encode_prometheus_destroy(text);
  return copy;
}

CurrentInstanceScope::CurrentInstanceScope(HostInstance* instance)
    : previous_(tls_current_instance) {
  tls_current_instance = instance;
  tls_last_checked_instance = nullptr;
}

CurrentInstanceScope::~CurrentInstanceScope() { tls_current_instance = previous_; }

}  // namespace flbhost
