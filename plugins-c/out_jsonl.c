/*
 * out_jsonl: writes every event it is flushed as one JSON line.
 *
 * Shows a complete multi-instance output: required/optional properties,
 * per-instance state through remote_context, logging through the host api,
 * chunk decoding (v1 and v2 events), and thread-safe flushing.
 *
 *   path   (required) file to append to
 *   label  (optional) copied into every line as "label"
 *
 * One line per event:
 *   {"tag":T,"sec":S,"nsec":N,"metadata":{..},"record":{..},"label":L}
 * "metadata" appears only for v2 events, "label" only when set.
 *
 * Built with JSONL_FAULTS as out_faulty.so (plugin name "faulty"), for the
 * isolation tests, it also takes (see common/fault_inject.h):
 *   crash_file   countdown file: a flush that takes a count crashes (SIGSEGV)
 *   hang_file    countdown file: a flush that takes a count never returns
 *   scribble_file countdown file: a flush that takes a count writes garbage
 *                to descriptor 4 (a plugin host's event stream), as memory
 *                corruption in a plugin could, and then works normally
 *   spawn_sleep  seconds: Init starts `sleep <seconds>` in the background,
 *                which inherits whatever descriptors the process lets it
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi.h"
#include "json_write.h"
#include "plugin_util.h"
#ifdef JSONL_FAULTS
#include "fault_inject.h"
#define JSONL_NAME "faulty"
#else
#define JSONL_NAME "jsonl"
#endif

struct jsonl_state {
    struct pu_host host;  /* copied at Init: the shared plugin struct moves on */
    int fd;
    char *path;
    char *label;          /* NULL when unset */
#ifdef JSONL_FAULTS
    char *crash_file;
    char *hang_file;
    char *scribble_file;
#endif
    atomic_ullong records;
};

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    if (pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, JSONL_NAME,
                    "Append events as JSON lines to a file") != 0) {
        return -1;
    }
    def->event_type = FLB_OUTPUT_LOGS;
    return 0;
}

static void jsonl_free(struct jsonl_state *st)
{
    if (st->fd >= 0) {
        close(st->fd);
    }
    free(st->path);
    free(st->label);
    free(st);
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_host_of(plugin);
    struct jsonl_state *st;
    const char *path = pu_prop(&host, "path");
    const char *label = pu_prop(&host, "label");

    if (!path || !*path) {
        pu_log(&host, FLB_LOG_ERROR, "jsonl: property 'path' is required");
        return FLB_ERROR;
    }
    st = calloc(1, sizeof(*st));
    if (!st) {
        pu_log(&host, FLB_LOG_ERROR, "jsonl: out of memory");
        return FLB_ERROR;
    }
    st->host = host;
    st->fd = -1;
    /* The host owns the property strings; keep our own copies. */
    st->path = strdup(path);
    st->label = label && *label ? strdup(label) : NULL;
#ifdef JSONL_FAULTS
    {
        const char *crash = pu_prop(&host, "crash_file");
        const char *hang = pu_prop(&host, "hang_file");
        const char *scribble = pu_prop(&host, "scribble_file");
        const char *sleep_for = pu_prop(&host, "spawn_sleep");
        st->crash_file = crash ? strdup(crash) : NULL;
        st->hang_file = hang ? strdup(hang) : NULL;
        st->scribble_file = scribble ? strdup(scribble) : NULL;
        if (sleep_for && *sleep_for) {
            pu_fault_spawn_sleep(sleep_for);
        }
    }
#endif
    if (!st->path || (label && *label && !st->label)) {
        pu_log(&host, FLB_LOG_ERROR, "jsonl: out of memory");
        jsonl_free(st);
        return FLB_ERROR;
    }
    /* O_APPEND makes each write(2) land atomically at the end of the file,
     * which is what lets concurrent flushes share one descriptor. */
    st->fd = open(st->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (st->fd < 0) {
        pu_logf(&host, FLB_LOG_ERROR, "jsonl: cannot open %s: %s", st->path, strerror(errno));
        jsonl_free(st);
        return FLB_ERROR;
    }
    pu_set_context(plugin, st);
    pu_logf(&host, FLB_LOG_INFO, "jsonl: writing to %s", st->path);
    return FLB_OK;
}

static int jsonl_event(struct jbuf *b, const char *tag, const char *label,
                       const struct pu_event *ev)
{
    struct mp_cursor c;
    int ret;

    jb_puts(b, "{\"tag\":");
    jb_cstring(b, tag);
    jb_puts(b, ",\"sec\":");
    jb_i64(b, ev->sec);
    jb_puts(b, ",\"nsec\":");
    jb_u64(b, ev->nsec);
    if (ev->has_metadata) {
        jb_puts(b, ",\"metadata\":");
        c = ev->metadata;
        if ((ret = jb_msgpack(b, &c)) != 0) {
            return ret;
        }
    }
    jb_puts(b, ",\"record\":");
    c = ev->record;
    if ((ret = jb_msgpack(b, &c)) != 0) {
        return ret;
    }
    if (label) {
        jb_puts(b, ",\"label\":");
        jb_cstring(b, label);
    }
    jb_puts(b, "}\n");
    return b->oom ? JB_ERR_NOMEM : 0;
}

FLB_EXPORT int FLBPluginFlushCtx(void *ctx, const void *data, size_t len, char *tag)
{
    struct jsonl_state *st = ctx;
    struct pu_chunk it;
    struct pu_event ev;
    struct jbuf b;
    unsigned long long n = 0;
    int ret;

    if (!st) {
        /* Init never succeeded for this instance; nothing to write to. */
        return FLB_ERROR;
    }
#ifdef JSONL_FAULTS
    if (pu_fault_take(st->crash_file)) {
        pu_fault_crash("faulty");
    }
    if (pu_fault_take(st->hang_file)) {
        pu_fault_hang();
    }
    if (pu_fault_take(st->scribble_file)) {
        pu_fault_scribble(4);
    }
#endif
    /* Render the whole chunk first: either every line is written or none,
     * so a malformed event never leaves half a chunk in the file. */
    jb_init(&b);
    pu_chunk_init(&it, data, len);
    while ((ret = pu_chunk_next(&it, &ev)) == 1) {
        if (jsonl_event(&b, tag ? tag : "", st->label, &ev) != 0) {
            ret = -1;
            break;
        }
        n++;
    }
    if (ret != 0) {
        if (b.oom) {
            pu_log(&st->host, FLB_LOG_ERROR, "jsonl: out of memory");
            jb_free(&b);
            return FLB_RETRY;
        }
        pu_logf(&st->host, FLB_LOG_ERROR,
                "jsonl: malformed chunk (%zu bytes, tag %s) at event %zu",
                len, tag ? tag : "", it.index);
        jb_free(&b);
        return FLB_ERROR;
    }
    pu_logf(&st->host, FLB_LOG_TRACE, "jsonl: flush of tag %s: %zu bytes",
            tag ? tag : "", b.len);
    /* One write per flush: concurrent workers each append whole chunks. */
    if (b.len > 0 && pu_write_all(st->fd, b.data, b.len) != 0) {
        pu_logf(&st->host, FLB_LOG_ERROR, "jsonl: write to %s failed: %s",
                st->path, strerror(errno));
        jb_free(&b);
        return FLB_RETRY;
    }
    jb_free(&b);
    atomic_fetch_add_explicit(&st->records, n, memory_order_relaxed);
    pu_logf(&st->host, FLB_LOG_DEBUG, "jsonl: flushed %llu records", n);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginExitCtx(void *ctx)
{
    struct jsonl_state *st = ctx;

    if (!st) {
        return FLB_OK;
    }
    pu_logf(&st->host, FLB_LOG_DEBUG, "jsonl: closing %s after %llu records",
            st->path, (unsigned long long)atomic_load(&st->records));
    jsonl_free(st);
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
