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
    struct sleep_state *st;
    int ms;

    if (pu_int_prop(&host, "sleep", "sleep_ms", 2000, 0, &ms) != 0) {
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

    (void)data;
    (void)len;
    (void)tag;
    if (!st) {
        return FLB_ERROR;
    }
    pu_sleep_ms(st->sleep_ms);  /* in full, even when a signal lands */
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
