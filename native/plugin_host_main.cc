// flbhost-plugin-host: the process flbhost starts for each isolated plugin
// instance (and for each loading probe). It is executed, never forked from
// flbhost: a forked copy of a process that runs a Go runtime or Node is not
// safe to use, and exec gives the plugin a clean address space.
//
//   flbhost-plugin-host <instance name>
//
// The argument only names the process for `ps`. Commands arrive on fd 3,
// events leave on fd 4 (frame_protocol.h); stdout and stderr are the
// plugin's, and flbhost keeps the last lines of stderr for crash reports.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <memory>

#include "frame_protocol.h"
#include "plugin_host.h"

namespace {

// flbhost decides when this process stops: by closing fd 3 (graceful) or
// with SIGKILL. Signals meant for flbhost reach this process too when they
// are sent to the process group (Ctrl-C in a terminal, `timeout`), and
// must not end it before flbhost has flushed through it.
void IgnoreGroupSignals() {
  for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE}) signal(sig, SIG_IGN);
}

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  if (fcntl(flbhost::kCommandFd, F_GETFD) < 0 || fcntl(flbhost::kEventFd, F_GETFD) < 0) {
    fprintf(stderr,
            "flbhost-plugin-host is started by flbhost for plugins configured with `Isolation process`;"
            " it reads commands on fd %d and writes events on fd %d, which are not open here.\n",
            flbhost::kCommandFd, flbhost::kEventFd);
    return 2;
  }
  IgnoreGroupSignals();
  // Not passed on to processes the plugin starts (a Go input running a
  // command, say): flbhost must see these close when this process ends.
  fcntl(flbhost::kCommandFd, F_SETFD, FD_CLOEXEC);
  fcntl(flbhost::kEventFd, F_SETFD, FD_CLOEXEC);
  auto host = std::make_shared<flbhost::PluginHost>(flbhost::kCommandFd, flbhost::kEventFd);
  int code = host->Serve();
  fflush(stdout);
  fflush(stderr);
  // Plugin threads (and a Go runtime's) may still run: leave without running
  // static destructors under them.
  _exit(code);
}
