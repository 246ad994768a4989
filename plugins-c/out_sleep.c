/*
 * out_sleep: every flush blocks for a while, then succeeds.
 *
 * A fixture for the host's threading: a slow plugin must stall only its own
 * worker, never the event loop, other instances or shutdown ordering.
 *
 *   sleep_ms  (optional, default 2000) how long each flush takes
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "abi.h"
#include "plugin_util.h"

struct sleep_state {
    long sleep_ms;
};

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "sleep",
                       "Sleep sleep_ms milliseconds in every flush");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_host_of(plugin);
    const char *value = pu_prop(&host, "sleep_ms");
    struct sleep_state *st;
    int ms = 2000;

    if (value && (pu_parse_int(value, &ms) != 0 || ms < 0)) {
        pu_logf(&host, FLB_LOG_ERROR, "sleep: invalid sleep_ms '%s'", value);
        return FLB_ERROR;
    }
    st = malloc(sizeof(*st));
    if (!st) {
        return FLB_ERROR;
    }
    st->sleep_ms = ms;
    pu_set_context(plugin, st);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    struct sleep_state *st = ctx;
    struct timespec left;

    (void)data;
    (void)len;
    (void)tag;
    if (!st) {
        return FLB_ERROR;
    }
    left.tv_sec = st->sleep_ms / 1000;
    left.tv_nsec = (st->sleep_ms % 1000) * 1000000L;
    /* A signal cuts nanosleep short; continue with what is left so the
     * flush always takes the full time. */
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
    return FLB_OK;
}

FLB_EXPORT int FLBPluginExitCtx(void *ctx)
{
    free(ctx);
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
