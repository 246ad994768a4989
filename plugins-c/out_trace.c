/*
 * out_trace: records every call the host makes, in order.
 *
 * Exports every optional output entry point and appends one text line per
 * call to the file named by $FLBHOST_TRACE_FILE (read at each call; nothing
 * is written when it is unset), so tests can assert the exact lifecycle:
 *
 *   pre_register <arg>
 *   register
 *   init <id>                          (id property; "-" when unset)
 *   pre_run <arg>
 *   flush_ctx <id|null> <len> <tag>
 *   pre_exit <arg>
 *   exit_ctx <id|null>
 *   unregister
 *
 * Properties:
 *   id            instance name used in the lines above
 *   null_context  "true": leave remote_context NULL, like old fluent-bit-go
 *                 did for its first instance; the Ctx calls then print "null"
 *   flush_return  int (default 1, FLB_OK) returned by every FlushCtx
 *   flush_sleep_ms  each FlushCtx sleeps this long before it returns (to
 *                 build a backlog behind it)
 *   refuse_marker a FlushCtx whose chunk contains these bytes returns
 *                 FLB_ERROR instead (one bad chunk among merged ones)
 *
 * A NULL context carries no instance, so the flush_return of instances with
 * null_context=true is kept in one global (the last such Init wins).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "plugin_util.h"

struct trace_state {
    char *id;
    int flush_return;
    int flush_sleep_ms;
    char *refuse_marker;  /* NULL when unset */
};

static int contains(const void *data, size_t len, const char *marker)
{
    size_t n = strlen(marker), i;

    for (i = 0; n > 0 && i + n <= len; i++) {
        if (memcmp((const char *)data + i, marker, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static atomic_int null_context_flush_return = FLB_OK;

FLB_EXPORT int FLBPluginPreRegister(int hot_reloading)
{
    pu_trace("pre_register %d", hot_reloading);
    return 0;
}

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    if (pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "trace",
                    "Record every host call to $FLBHOST_TRACE_FILE") != 0) {
        return -1;
    }
    pu_trace("register");
    return 0;
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_host_of(plugin);
    const char *id = pu_prop(&host, "id");
    const char *ret = pu_prop(&host, "flush_return");
    const char *sleep_ms = pu_prop(&host, "flush_sleep_ms");
    const char *marker = pu_prop(&host, "refuse_marker");
    struct trace_state *st;
    int flush_return = FLB_OK, flush_sleep_ms = 0;

    pu_trace("init %s", id && *id ? id : "-");
    if (ret && pu_parse_int(ret, &flush_return) != 0) {
        pu_logf(&host, FLB_LOG_ERROR, "trace: invalid flush_return '%s'", ret);
        return FLB_ERROR;
    }
    if (sleep_ms && (pu_parse_int(sleep_ms, &flush_sleep_ms) != 0 || flush_sleep_ms < 0)) {
        pu_logf(&host, FLB_LOG_ERROR, "trace: invalid flush_sleep_ms '%s'", sleep_ms);
        return FLB_ERROR;
    }
    if (pu_parse_bool(pu_prop(&host, "null_context"))) {
        atomic_store(&null_context_flush_return, flush_return);
        return FLB_OK;
    }
    st = calloc(1, sizeof(*st));
    if (!st || !(st->id = strdup(id && *id ? id : "-"))) {
        free(st);
        return FLB_ERROR;
    }
    st->flush_return = flush_return;
    st->flush_sleep_ms = flush_sleep_ms;
    if (marker && *marker && !(st->refuse_marker = strdup(marker))) {
        free(st->id);
        free(st);
        return FLB_ERROR;
    }
    pu_set_context(plugin, st);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginOutputPreRun(int enable_hot_reload)
{
    pu_trace("pre_run %d", enable_hot_reload);
    return 0;
}

FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    struct trace_state *st = ctx;
    struct timespec pause;

    pu_trace("flush_ctx %s %zu %s", st ? st->id : "null", len, tag ? tag : "");
    if (!st) {
        return atomic_load(&null_context_flush_return);
    }
    if (st->flush_sleep_ms > 0) {
        pause.tv_sec = st->flush_sleep_ms / 1000;
        pause.tv_nsec = (long)(st->flush_sleep_ms % 1000) * 1000000L;
        while (nanosleep(&pause, &pause) != 0) {
        }
    }
    if (st->refuse_marker && contains(data, len, st->refuse_marker)) {
        return FLB_ERROR;
    }
    return st->flush_return;
}

FLB_EXPORT void FLBPluginOutputPreExit(int shutdown_by_hot_reloading)
{
    pu_trace("pre_exit %d", shutdown_by_hot_reloading);
}

FLB_EXPORT int FLBPluginExitCtx(void *ctx)
{
    struct trace_state *st = ctx;

    pu_trace("exit_ctx %s", st ? st->id : "null");
    if (st) {
        free(st->id);
        free(st->refuse_marker);
        free(st);
    }
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_trace("unregister");
    pu_def_release(def);
}
