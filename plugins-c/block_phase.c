/*
 * block_phase: an output plugin that blocks (sleeps) in one chosen phase of
 * its life.
 *
 * A fixture for the host's threading rule: the event loop never waits for a
 * plugin, whatever the plugin does and wherever it does it. One source, one
 * .so per phase (-D); each registers the output "block":
 *
 *   BLOCK_REGISTER  block_register.so: FLBPluginRegister sleeps
 *                   $FLBHOST_BLOCK_MS milliseconds (Register runs before any
 *                   instance exists, so it has no properties)
 *   BLOCK_INIT      block_init.so: FLBPluginInit sleeps block_ms
 *   BLOCK_EXIT      block_exit.so: FLBPluginExitCtx sleeps block_ms
 *
 *   block_ms  (property, int >= 0, default 0) read in FLBPluginInit
 *
 * (An input callback that blocks is in_gen_ctx.so with sleep_ms.) Flushes
 * are accepted at once. The sleep always takes its full time.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>

#include "abi.h"
#include "plugin_util.h"

#if defined(BLOCK_REGISTER) + defined(BLOCK_INIT) + defined(BLOCK_EXIT) != 1
#error "define exactly one of BLOCK_REGISTER, BLOCK_INIT, BLOCK_EXIT"
#endif

struct block_state {
    int block_ms;
};

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
#ifdef BLOCK_REGISTER
    const char *value = getenv("FLBHOST_BLOCK_MS");
    int ms = 0;

    if (value && *value && (pu_parse_int(value, &ms) != 0 || ms < 0)) {
        return -1;
    }
    pu_sleep_ms(ms);
#endif
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "block",
                       "Sleep in one phase of the plugin's life (see block_phase.c)");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_host_of(plugin);
    struct block_state *st;
    int ms;

    if (pu_int_prop(&host, "block", "block_ms", 0, 0, &ms) != 0) {
        return FLB_ERROR;
    }
#ifdef BLOCK_INIT
    pu_sleep_ms(ms);
#endif
    st = malloc(sizeof(*st));
    if (!st) {
        return FLB_ERROR;
    }
    st->block_ms = ms;
    pu_set_context(plugin, st);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    (void)ctx;
    (void)data;
    (void)len;
    (void)tag;
    return FLB_OK;
}

FLB_EXPORT int FLBPluginExitCtx(void *ctx)
{
    struct block_state *st = ctx;

#ifdef BLOCK_EXIT
    if (st) {
        pu_sleep_ms(st->block_ms);
    }
#endif
    free(st);
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
