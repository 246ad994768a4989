// Starting the native threads that call into plugins.
#ifndef FLBHOST_PLUGIN_THREAD_H
#define FLBHOST_PLUGIN_THREAD_H

#include <functional>
#include <string>

namespace flbhost {

// Runs `body` on a new detached pthread with an ordinary stack.
//
// Why a plain pthread: Go 1.21+ crashes when entered on a switched (coroutine)
// stack, and plugin code must never run on the JS thread or the libuv pool.
// Why detached: a thread may be stuck inside a plugin call when its JS
// environment goes away; nobody must ever have to join it. The body keeps
// alive (through shared_ptr) everything it touches.
//
// The first call pins this addon in memory for the rest of the process: a
// thread may outlive every environment that loaded the addon, and Node
// dlcloses an addon when its last environment ends.
//
// Process-directed signals that Node handles (SIGINT, SIGTERM, SIGCHLD, ...)
// are blocked on the new thread so the kernel delivers them to a Node thread,
// never to a thread that is inside Go or C plugin code.
//
// `name` is truncated to the 15 characters Linux keeps. Returns false and
// fills `error` when the thread could not be created.
bool StartPluginThread(const std::string& name, std::function<void()> body,
                       std::string* error);

}  // namespace flbhost

#endif
