/*
 * tls_heavy: an otherwise valid output whose dlopen fails on glibc.
 *
 * Go c-shared plugins use the initial-exec TLS model, which needs room in
 * the static TLS block reserved at process start. glibc keeps only a small
 * surplus for libraries loaded later, so a dlopen'ed object with a large
 * initial-exec TLS segment fails with "cannot allocate memory in static TLS
 * block". This fixture makes that failure deterministic (4 MiB is far beyond
 * any surplus) so tests can check the host reports dlerror() text clearly.
 */
#define _POSIX_C_SOURCE 200809L

#include "abi.h"
#include "plugin_util.h"

#define TLS_HEAVY_BYTES (4u * 1024u * 1024u)

static _Thread_local unsigned char tls_block[TLS_HEAVY_BYTES]
    __attribute__((tls_model("initial-exec")));

/* Touching the array from exported code keeps the compiler and linker from
 * dropping it (and with it the static-TLS requirement). */
static int touch_tls(void)
{
    tls_block[0]++;
    tls_block[TLS_HEAVY_BYTES - 1]++;
    return tls_block[0];
}

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "tls_heavy",
                       "Needs 4 MiB of static TLS: dlopen fails on glibc");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    (void)plugin;
    touch_tls();
    return FLB_OK;
}

FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    (void)ctx;
    (void)data;
    (void)len;
    (void)tag;
    touch_tls();
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
