/*
 * out_init_fail: FLBPluginInit returns whatever the `return` property says.
 *
 * Fluent Bit treats Init <= 0 as failure and > 0 (FLB_OK, and even
 * FLB_RETRY) as success. Each call appends a line to $FLBHOST_TRACE_FILE
 * (when set) so a test can count Init calls and check that an instance whose
 * Init failed never gets a flush or exit:
 *
 *   init    every FLBPluginInit
 *   flush   every FLBPluginFlushCtx (returns FLB_OK)
 *   exit    every FLBPluginExitCtx
 *
 *   return  (optional, default 0 = FLB_ERROR) Init's return value
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>

#include "abi.h"
#include "plugin_util.h"

static void trace(const char *line)
{
    const char *path = getenv("FLBHOST_TRACE_FILE");
    if (path && *path) {
        pu_append_text(path, line);
    }
}

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "init_fail",
                       "Init returns the `return` property (default 0)");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_host_of(plugin);
    int ret = FLB_ERROR;

    trace("init\n");
    /* An unparsable value keeps the default: this plugin is meant to fail. */
    pu_parse_int(pu_prop(&host, "return"), &ret);
    return ret;
}

FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    (void)ctx;
    (void)data;
    (void)len;
    (void)tag;
    trace("flush\n");
    return FLB_OK;
}

FLB_EXPORT int FLBPluginExitCtx(void *ctx)
{
    (void)ctx;
    trace("exit\n");
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
