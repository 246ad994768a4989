#include "plugin_thread.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <exception>

#include <memory>

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

}  // namespace

bool StartPluginThread(const std::string& name, std::function<void()> body,
                       std::string* error) {
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
