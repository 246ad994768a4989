/*
 * block_phase: a plugin that blocks (sleeps) in one chosen phase of its life.
 *
 * A fixture for the host's threading rule: the event loop never waits for a
 * plugin, whatever the plugin does and wherever it does it. One source, one
 * .so per phase (-D):
 *
 *   BLOCK_REGISTER  block_register.so (output "block"): FLBPluginRegister
 *                   sleeps $FLBHOST_BLOCK_MS milliseconds (Register runs
 *                   before any instance exists, so it has no properties)
 *   BLOCK_INIT      block_init.so (output "block"): FLBPluginInit sleeps
 *                   block_ms
 *   BLOCK_EXIT      block_exit.so (output "block"): FLBPluginExitCtx sleeps
 *                   block_ms
 *   BLOCK_CALLBACK  block_callback.so (input "block"): every
 *                   FLBPluginInputCallback sleeps block_ms, then hands over
 *                   one event, [now, {"phase":"callback"}]
 *
 *   block_ms  (property, int >= 0, default 0) read in FLBPluginInit
 *
 * Outputs accept every flush at once. The sleep always takes its full time
 * (a signal that cuts it short is resumed).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "plugin_util.h"

#if defined(BLOCK_REGISTER) + defined(BLOCK_INIT) + defined(BLOCK_EXIT) + defined(BLOCK_CALLBACK) != 1
#error "define exactly one of BLOCK_REGISTER, BLOCK_INIT, BLOCK_EXIT, BLOCK_CALLBACK"
#endif

static void block_for(long ms)
{
    struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };

    while (ms > 0 && nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

/* block_ms of an instance, or -1 (logged) when it is not an int >= 0. */
static int block_ms_of(const struct pu_host *host)
{
    const char *value = pu_prop(host, "block_ms");
    int ms = 0;

    if (value && (pu_parse_int(value, &ms) != 0 || ms < 0)) {
        pu_logf(host, FLB_LOG_ERROR, "block: invalid block_ms '%s'", value);
        return -1;
    }
    return ms;
}

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
#ifdef BLOCK_REGISTER
    const char *value = getenv("FLBHOST_BLOCK_MS");
    int ms = 0;

    if (value && *value && (pu_parse_int(value, &ms) != 0 || ms < 0)) {
        return -1;
    }
    block_for(ms);
#endif
#ifdef BLOCK_CALLBACK
    return pu_def_fill(def, FLB_PROXY_INPUT_PLUGIN, "block",
                       "Sleep block_ms in every input callback");
#else
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "block",
                       "Sleep in one phase of the plugin's life (see block_phase.c)");
#endif
}

#ifdef BLOCK_CALLBACK

/* The input callback has no instance argument: every instance of the .so
 * uses the block_ms of the last Init (the tests give them all the same). */
static atomic_int g_block_ms;

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_input_host_of(plugin);
    int ms = block_ms_of(&host);

    if (ms < 0) {
        return FLB_ERROR;
    }
    atomic_store(&g_block_ms, ms);
    return FLB_OK;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* One event: [EventTime(now), {"phase": "callback"}], malloc'd; the host
 * free()s it (no cleanup callback is exported). */
FLB_EXPORT int FLBPluginInputCallback(void **data, size_t *len)
{
    static const char record[] = "\x81\xa5phase\xa8" "callback";
    const size_t record_len = sizeof(record) - 1;
    struct timespec now;
    unsigned char *buf;

    block_for(atomic_load(&g_block_ms));
    buf = malloc(1 + 10 + record_len);
    if (!buf) {
        return -1;
    }
    clock_gettime(CLOCK_REALTIME, &now);
    buf[0] = 0x92;  /* array of 2 */
    buf[1] = 0xd7;  /* fixext8, type 0: EventTime */
    buf[2] = 0x00;
    put_be32(buf + 3, (uint32_t)now.tv_sec);
    put_be32(buf + 7, (uint32_t)now.tv_nsec);
    memcpy(buf + 11, record, record_len);
    *data = buf;
    *len = 1 + 10 + record_len;
    return FLB_OK;
}

FLB_EXPORT int FLBPluginExit(void)
{
    return FLB_OK;
}

#else /* an output */

struct block_state {
    int block_ms;
};

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_host_of(plugin);
    struct block_state *st;
    int ms = block_ms_of(&host);

    if (ms < 0) {
        return FLB_ERROR;
    }
#ifdef BLOCK_INIT
    block_for(ms);
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
        block_for(st->block_ms);
    }
#endif
    free(st);
    return FLB_OK;
}

#endif

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
