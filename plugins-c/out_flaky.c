/*
 * out_flaky: answers FLB_RETRY to the first flushes of an instance, then
 * FLB_OK, and writes down every flush it was given.
 *
 * A fixture for the host's retry of .so outputs inside a pipeline: the
 * records of a chunk answered FLB_RETRY must come back in a later flush,
 * and once Retry_Limit is used up they must be counted as dropped.
 *
 *   fail_first  (optional, default 1) how many flushes are answered
 *               FLB_RETRY before the others get FLB_OK; -1 = every flush
 *   log         (required) file that receives one line per flush:
 *               "<retry|ok> <records> <bytes>"
 */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "plugin_util.h"

struct flaky_state {
    struct pu_host host;
    char *log;
    int fail_first;
    atomic_int flushes;  /* workers may flush concurrently */
};

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "flaky",
                       "Answer FLB_RETRY to the first fail_first flushes, then FLB_OK");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_host_of(plugin);
    const char *log = pu_prop(&host, "log");
    struct flaky_state *st;
    int n;

    if (!log || !*log) {
        pu_log(&host, FLB_LOG_ERROR, "flaky: property 'log' is required");
        return FLB_ERROR;
    }
    if (pu_int_prop(&host, "flaky", "fail_first", 1, -1, &n) != 0) {
        return FLB_ERROR;
    }
    st = calloc(1, sizeof(*st));
    if (!st || !(st->log = strdup(log))) {
        free(st);
        return FLB_ERROR;
    }
    st->host = host;
    st->fail_first = n;
    pu_set_context(plugin, st);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    struct flaky_state *st = ctx;
    struct pu_chunk it;
    struct pu_event ev;
    char line[96];
    int records = 0, ret, nth, status;

    (void)tag;
    if (!st) {
        return FLB_ERROR;
    }
    pu_chunk_init(&it, data, len);
    while ((ret = pu_chunk_next(&it, &ev)) == 1) {
        records++;
    }
    if (ret != 0) {
        pu_logf(&st->host, FLB_LOG_ERROR, "flaky: malformed chunk at event %zu", it.index);
        return FLB_ERROR;
    }
    nth = atomic_fetch_add(&st->flushes, 1);
    status = st->fail_first < 0 || nth < st->fail_first ? FLB_RETRY : FLB_OK;
    snprintf(line, sizeof(line), "%s %d %zu\n", status == FLB_RETRY ? "retry" : "ok", records, len);
    if (pu_append_text(st->log, line) != 0) {
        pu_logf(&st->host, FLB_LOG_ERROR, "flaky: cannot write %s", st->log);
        return FLB_ERROR;
    }
    return status;
}

FLB_EXPORT int FLBPluginExitCtx(void *ctx)
{
    struct flaky_state *st = ctx;

    if (st) {
        free(st->log);
        free(st);
    }
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
