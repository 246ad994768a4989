/*
 * out_concurrency: measures how many flushes of one instance run at once,
 * and on how many threads.
 *
 * A fixture for the host's `workers`: with N workers and enough chunks
 * queued, N flushes must overlap, each on its own thread. Every flush
 * sleeps `sleep_ms` so that the flushes handed out together do overlap.
 *
 *   sleep_ms  (optional, default 300) how long each flush takes
 *   report    (required) file written at exit:
 *             {"flushes":N,"max_concurrent":M,"threads":T}
 *             T counts the distinct threads that flushed (up to 64)
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "plugin_util.h"

#define MAX_THREADS 64

struct concurrency_state {
    struct pu_host host;
    char *report;
    long sleep_ms;
    atomic_int running;
    atomic_int max_running;
    atomic_int flushes;
    pthread_mutex_t lock;  /* guards threads[] */
    pthread_t threads[MAX_THREADS];
    int thread_count;
};

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "concurrency",
                       "Measure concurrent flushes and the threads they run on");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_host_of(plugin);
    const char *report = pu_prop(&host, "report");
    struct concurrency_state *st;
    int ms;

    if (!report || !*report) {
        pu_log(&host, FLB_LOG_ERROR, "concurrency: property 'report' is required");
        return FLB_ERROR;
    }
    if (pu_int_prop(&host, "concurrency", "sleep_ms", 300, 0, &ms) != 0) {
        return FLB_ERROR;
    }
    st = calloc(1, sizeof(*st));
    if (!st || !(st->report = strdup(report))) {
        free(st);
        return FLB_ERROR;
    }
    st->host = host;
    st->sleep_ms = ms;
    pthread_mutex_init(&st->lock, NULL);
    pu_set_context(plugin, st);
    return FLB_OK;
}

static void note_thread(struct concurrency_state *st)
{
    pthread_t self = pthread_self();
    int i;

    pthread_mutex_lock(&st->lock);
    for (i = 0; i < st->thread_count; i++) {
        if (pthread_equal(st->threads[i], self)) {
            break;
        }
    }
    if (i == st->thread_count && st->thread_count < MAX_THREADS) {
        st->threads[st->thread_count++] = self;
    }
    pthread_mutex_unlock(&st->lock);
}

FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    struct concurrency_state *st = ctx;
    int now, seen;

    (void)data;
    (void)len;
    (void)tag;
    if (!st) {
        return FLB_ERROR;
    }
    note_thread(st);
    now = atomic_fetch_add(&st->running, 1) + 1;
    seen = atomic_load(&st->max_running);
    while (now > seen && !atomic_compare_exchange_weak(&st->max_running, &seen, now)) {
    }
    pu_sleep_ms(st->sleep_ms);
    atomic_fetch_sub(&st->running, 1);
    atomic_fetch_add(&st->flushes, 1);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginExitCtx(void *ctx)
{
    struct concurrency_state *st = ctx;
    FILE *f;

    if (!st) {
        return FLB_OK;
    }
    f = fopen(st->report, "w");
    if (f) {
        fprintf(f, "{\"flushes\":%d,\"max_concurrent\":%d,\"threads\":%d}\n",
                atomic_load(&st->flushes), atomic_load(&st->max_running), st->thread_count);
        if (fclose(f) != 0) {
            pu_logf(&st->host, FLB_LOG_ERROR, "concurrency: cannot write %s", st->report);
        }
    }
    else {
        pu_logf(&st->host, FLB_LOG_ERROR, "concurrency: cannot open %s", st->report);
    }
    pthread_mutex_destroy(&st->lock);
    free(st->report);
    free(st);
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
