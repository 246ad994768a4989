#include "plugin_thread.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <exception>
#include <memory>
#include <mutex>

namespace flbhost {

namespace {

struct ThreadStart {
  std::string name;
  std::function<void()> body;
};

void* ThreadMain(void* arg) {
  std::unique_ptr<ThreadStart> start(static_cast<ThreadStart*>(arg));
  pthread_setname_np(pthread_self(), start->name.substr(0, 15).c_str());
  try {
    start->body();
  } catch (const std::exception& e) {
    // Nothing above a thread's entry can handle it; say what was lost.
    fprintf(stderr, "[flbhost] thread %s stopped: %s\n", start->name.c_str(), e.what());
  } catch (...) {
    fprintf(stderr, "[flbhost] thread %s stopped by an unknown exception\n", start->name.c_str());
  }
  return nullptr;
}

void BlockProcessSignals(sigset_t* previous) {
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2,
                  SIGWINCH, SIGALRM}) {
    sigaddset(&blocked, sig);
  }
  pthread_sigmask(SIG_BLOCK, &blocked, previous);
}

// Keeps this addon mapped until the process ends.
//
// Why: Node unloads (dlcloses) an addon when the last environment that loaded
// it goes away, e.g. a worker_thread that is terminated while a flush is
// inside a plugin. A detached plugin thread would then return from the
// plugin into unmapped code and crash the process (found by terminating a
// worker during a 300 ms flush: SIGSEGV in the plugin thread at the end of
// the flush). RTLD_NODELETE on our own path makes every later dlclose a
// no-op; RTLD_NOLOAD makes sure this only pins what is already loaded.
void PinThisModule() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info info;
    const char* failure = nullptr;
    if (dladdr(reinterpret_cast<void*>(&PinThisModule), &info) == 0 || info.dli_fname == nullptr) {
      failure = "dladdr found no path for the addon";
    } else if (dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) == nullptr) {
      failure = dlerror();
    }
    if (failure != nullptr) {
      fprintf(stderr, "[flbhost] could not pin the addon in memory (%s); terminating a worker_thread during a plugin call may crash\n",
              failure);
    }
  });
}

}  // namespace

bool StartPluginThread(const std::string& name, std::function<void()> body,
                       std::string* error) {
  PinThisModule();  // before any thread can run this module's code
  auto* start = new ThreadStart{name, std::move(body)};

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

  // A new thread inherits the creator's signal mask: block, create, restore.
  sigset_t previous;
  BlockProcessSignals(&previous);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, ThreadMain, start);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  pthread_attr_destroy(&attr);

  if (rc != 0) {
    delete start;
    if (error) *error = std::string("pthread_create failed: ") + strerror(rc);
    return false;
  }
  return true;
}

}  // namespace flbhost
