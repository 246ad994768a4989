/*
 * in_replay: an input plugin that hands over the bytes of a file, as they
 * are, as its first callback's chunk. It exists to put exact bytes (good or
 * malformed events) through a host's real input path: the chunk corpus test
 * (test/unit/chunk-corpus.test.ts) replays each case of
 * test/fixtures/chunks/ through it and compares what the host reports with
 * the TypeScript event walker.
 *
 * Properties (read in Init; an unreadable file fails Init with an error log):
 *   file   path of the file to replay (required). An empty file gives an
 *          empty result (*len = 0), which a host must not ingest.
 *
 * The first FLBPluginInputCallbackCtx call hands over the malloc'd content
 * itself; every later call returns FLB_OK with *len = 0. The chunk is freed by
 * FLBPluginInputCleanupCallbackCtx. One state per instance (remote_context);
 * the states are freed at FLBPluginUnregister, when no instance is left
 * (Exit has no instance argument).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "abi.h"
#include "plugin_util.h"

struct replay_state {
    unsigned char *bytes;  /* the file's content until handed over; NULL when empty or sent */
    size_t len;
    struct replay_state *next;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct replay_state *g_states;

/* Reads the whole file; returns 0, or -1 with errno-style failure logged. */
static int replay_read(const struct pu_host *host, const char *path, struct replay_state *st)
{
    FILE *f = fopen(path, "rb");
    long size;

    if (!f) {
        pu_logf(host, FLB_LOG_ERROR, "replay: cannot open '%s'", path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        pu_logf(host, FLB_LOG_ERROR, "replay: cannot size '%s'", path);
        fclose(f);
        return -1;
    }
    st->len = (size_t)size;
    if (st->len > 0) {
        st->bytes = malloc(st->len);
        if (!st->bytes || fread(st->bytes, 1, st->len, f) != st->len) {
            pu_logf(host, FLB_LOG_ERROR, "replay: cannot read '%s'", path);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    return pu_def_fill(def, FLB_PROXY_INPUT_PLUGIN, "replay", "replays the bytes of a file as one chunk");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_input_host_of(plugin);
    const char *path = pu_prop(&host, "file");
    struct replay_state *st;

    if (!path || !*path) {
        pu_log(&host, FLB_LOG_ERROR, "replay: the 'file' property is required");
        return FLB_ERROR;
    }
    st = calloc(1, sizeof(*st));
    if (!st) {
        return FLB_ERROR;
    }
    if (replay_read(&host, path, st) != 0) {
        free(st->bytes);
        free(st);
        return FLB_ERROR;
    }
    pthread_mutex_lock(&g_lock);
    st->next = g_states;
    g_states = st;
    pthread_mutex_unlock(&g_lock);
    pu_input_set_context(plugin, st);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginInputCallbackCtx(void *remote_context, void **data, size_t *len)
{
    struct replay_state *st = remote_context;

    if (!st || !st->bytes) {
        *len = 0;
        return FLB_OK;
    }
    /* Only this instance's thread calls it: the content changes hands once. */
    *data = st->bytes;
    *len = st->len;
    st->bytes = NULL;
    return FLB_OK;
}

FLB_EXPORT int FLBPluginInputCleanupCallbackCtx(void *remote_context, void *data)
{
    (void)remote_context;
    free(data);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginExit(void)
{
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    struct replay_state *st, *next;

    pthread_mutex_lock(&g_lock);
    st = g_states;
    g_states = NULL;
    pthread_mutex_unlock(&g_lock);
    for (; st; st = next) {
        next = st->next;
        free(st->bytes);
        free(st);
    }
    pu_def_release(def);
}
