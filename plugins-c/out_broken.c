/*
 * out_broken: one source, several deliberately broken plugins, one per -D:
 *
 *   BROKEN_BAD_PROXY       registers with proxy = 12 (only 11, Go, is known)
 *   BROKEN_BAD_TYPE        registers with type = 7 (only 1, 2, 3 exist)
 *   BROKEN_NO_INIT         does not export FLBPluginInit (required)
 *   BROKEN_NO_FLUSH        exports neither FLBPluginFlush nor
 *                          FLBPluginFlushCtx (Fluent Bit would crash on the
 *                          first flush; a host should reject it at load)
 *   BROKEN_REGISTER_FAILS  FLBPluginRegister returns -1
 *   BROKEN_NO_REGISTER     does not export FLBPluginRegister at all
 *   BROKEN_REGISTER_CRASH  FLBPluginRegister crashes (SIGSEGV): a host must
 *                          survive loading it
 *   BROKEN_METRICS_ONLY    registers as a metrics-only output (event_type 2):
 *                          it loads, but log chunks must not be sent to it
 *
 * Apart from its one defect each variant is a valid output named "broken",
 * so the host's rejection can only come from that defect.
 */
#define _POSIX_C_SOURCE 200809L

#include "abi.h"
#include "plugin_util.h"
#include "fault_inject.h"

#if defined(BROKEN_BAD_PROXY) + defined(BROKEN_BAD_TYPE) + defined(BROKEN_NO_INIT) + \
    defined(BROKEN_NO_FLUSH) + defined(BROKEN_REGISTER_FAILS) + defined(BROKEN_NO_REGISTER) + \
    defined(BROKEN_METRICS_ONLY) + defined(BROKEN_REGISTER_CRASH) != 1
#error "define exactly one BROKEN_* variant"
#endif

#ifndef BROKEN_NO_REGISTER
FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    if (pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "broken",
                    "A deliberately broken plugin (test fixture)") != 0) {
        return -1;
    }
#if defined(BROKEN_BAD_PROXY)
    def->proxy = 12;
#elif defined(BROKEN_BAD_TYPE)
    def->type = 7;
#elif defined(BROKEN_METRICS_ONLY)
    def->event_type = FLB_OUTPUT_METRICS;
#elif defined(BROKEN_REGISTER_CRASH)
    pu_fault_crash("broken");
#elif defined(BROKEN_REGISTER_FAILS)
    /* The def is filled correctly on purpose: only the return value says
     * "failed", so a host that ignores it would wrongly accept the plugin.
     * Like Fluent Bit, the host then frees the def without calling
     * Unregister, so the two strings leak; that is the ABI, not this file. */
    return -1;
#endif
    return 0;
}
#endif

#ifndef BROKEN_NO_INIT
FLB_EXPORT int FLBPluginInit(void *plugin)
{
    (void)plugin;
    return FLB_OK;
}
#endif

#ifndef BROKEN_NO_FLUSH
FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    (void)ctx;
    (void)data;
    (void)len;
    (void)tag;
    return FLB_OK;
}
#endif

FLB_EXPORT int FLBPluginExitCtx(void *ctx)
{
    (void)ctx;
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
