/*
 * out_count: the benchmark output. Decodes every event it is given, counts
 * records/bytes/flushes, and reports the totals at exit.
 *
 * "Decodes" means a real walk: each event's shape is validated and every
 * header and payload byte of its metadata and record is read (folded into a
 * checksum), so the cost per byte resembles a plugin that actually consumes
 * its input, instead of measuring only the call overhead of the host.
 *
 *   report  (optional) path; at exit it receives
 *           {"records":N,"bytes":N,"flushes":N}
 *
 * At exit it also logs the totals at info level through the host's
 * log_print, so a host shows them in its own log.
 *
 * Counters are atomics because a host with workers runs several FlushCtx of
 * one instance at the same time.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "plugin_util.h"

struct count_state {
    struct pu_host host;
    char *report;  /* NULL when unset */
    atomic_ullong records;
    atomic_ullong bytes;
    atomic_ullong flushes;
    atomic_ullong checksum;  /* stored so the byte walk cannot be optimised out */
};

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "count",
                       "Decode and count events (benchmark output)");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_host_of(plugin);
    const char *report = pu_prop(&host, "report");
    struct count_state *st = calloc(1, sizeof(*st));

    if (!st) {
        return FLB_ERROR;
    }
    st->host = host;
    if (report && *report && !(st->report = strdup(report))) {
        free(st);
        return FLB_ERROR;
    }
    pu_set_context(plugin, st);
    return FLB_OK;
}

/* Reads one value completely, summing every payload byte and number. */
static int touch(struct mp_cursor *c, int depth, uint64_t *sum)
{
    struct mp_value v;
    uint64_t n, i;

    if (depth > MP_MAX_DEPTH || mp_read(c, &v) != 0) {
        return -1;
    }
    switch (v.type) {
    case MP_STR:
    case MP_BIN:
    case MP_EXT:
        for (i = 0; i < v.len; i++) {
            *sum += v.data[i];
        }
        break;
    case MP_ARRAY:
    case MP_MAP:
        n = v.type == MP_MAP ? 2 * (uint64_t)v.len : v.len;
        for (i = 0; i < n; i++) {
            if (touch(c, depth + 1, sum) != 0) {
                return -1;
            }
        }
        break;
    default:
        *sum += v.v.u;  /* the union's bits are enough for a checksum */
        break;
    }
    return 0;
}

FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    struct count_state *st = ctx;
    struct pu_chunk it;
    struct pu_event ev;
    uint64_t records = 0, sum = 0;
    int ret;

    (void)tag;
    if (!st) {
        return FLB_ERROR;
    }
    pu_chunk_init(&it, data, len);
    while ((ret = pu_chunk_next(&it, &ev)) == 1) {
        sum += (uint64_t)ev.sec + ev.nsec;
        if ((ev.has_metadata && touch(&ev.metadata, 0, &sum) != 0) ||
            touch(&ev.record, 0, &sum) != 0) {
            ret = -1;
            break;
        }
        records++;
    }
    if (ret != 0) {
        pu_logf(&st->host, FLB_LOG_ERROR, "count: malformed chunk at event %zu", it.index);
        return FLB_ERROR;
    }
    /* One atomic add per counter per flush, not per record. */
    atomic_fetch_add_explicit(&st->records, records, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->bytes, len, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->flushes, 1, memory_order_relaxed);
    atomic_fetch_xor_explicit(&st->checksum, sum, memory_order_relaxed);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginExitCtx(void *ctx)
{
    struct count_state *st = ctx;
    FILE *f;

    if (!st) {
        return FLB_OK;
    }
    pu_logf(&st->host, FLB_LOG_INFO, "count: %llu records, %llu bytes in %llu flushes",
            (unsigned long long)atomic_load(&st->records),
            (unsigned long long)atomic_load(&st->bytes),
            (unsigned long long)atomic_load(&st->flushes));
    if (st->report) {
        f = fopen(st->report, "w");
        if (f) {
            fprintf(f, "{\"records\":%llu,\"bytes\":%llu,\"flushes\":%llu}\n",
                    (unsigned long long)atomic_load(&st->records),
                    (unsigned long long)atomic_load(&st->bytes),
                    (unsigned long long)atomic_load(&st->flushes));
            if (fclose(f) != 0) {
                pu_logf(&st->host, FLB_LOG_ERROR, "count: cannot write %s", st->report);
            }
        }
        else {
            pu_logf(&st->host, FLB_LOG_ERROR, "count: cannot open %s", st->report);
        }
    }
    free(st->report);
    free(st);
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
