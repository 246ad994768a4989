/*
 * direct_pipe: the smallest possible "C input -> C output" host, as the
 * baseline for that benchmark.
 *
 * It loads one input plugin and one output plugin the way flbhost does
 * (dlopen, Register, Init, PreRun), then, on one dedicated pthread, calls the
 * input's callback and hands every chunk it produces straight to the
 * output's flush, until at least TARGET_RECORDS events went through. It
 * prints one JSON line:
 *
 *   {"input":NAME,"output":NAME,"records":N,"bytes":N,"chunks":N,
 *    "seconds":F,"records_per_sec":F,"bytes_per_sec":F}
 *
 * records counts the events actually flushed (the last chunk may overshoot
 * the target); bytes and chunks are the flushed chunks' total size and
 * number. seconds covers the whole loop, record counting included.
 *
 * Per chunk, the loop does what a host cannot avoid, and nothing more:
 *   - collect: FLBPluginInputCallbackCtx(remote_context, ...) when exported
 *     (it takes precedence, as in Fluent Bit), else FLBPluginInputCallback;
 *   - -1, or no data, is "nothing this time" and the plugin keeps the
 *     buffer (Fluent Bit's contract: no cleanup then);
 *   - count the events: a bounds-checked walk over the chunk's top-level
 *     msgpack values (a host must at least find the event boundaries);
 *   - flush the plugin's own buffer, tag "bench": no copy, no queue, no
 *     timer, unlike Fluent Bit or flbhost, which is what makes it a floor;
 *   - give the buffer back: CleanupCallbackCtx, else CleanupCallback, else
 *     libc free() (the ABI's rule when neither is exported).
 *
 * Everything runs without pauses: the input is polled back to back, not
 * every Interval, so the input's own speed is measured too.
 *
 * usage: direct_pipe INPUT.so OUTPUT.so TARGET_RECORDS [in.key=value ...]
 *                    [out.key=value ...]
 * Properties prefixed "in." go to the input instance and "out." to the
 * output instance, without the prefix (keys are case-insensitive, the
 * prefixes too).
 *
 * Fails (exit 1, message on stderr) on a load or init failure, a chunk that
 * is not valid msgpack, a flush that does not return FLB_OK, or an input
 * that produces nothing for PIPE_MAX_IDLE_CALLS calls in a row (e.g. an
 * in_gen `total` below the target), instead of spinning forever.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MINI_HOST_PROG "direct_pipe"
#include "mini_host.h"  /* die, properties, flb_api, loading, threads, timing */
#include "../plugins-c/common/msgpack_read.h"  /* mp_skip: bounds-checked */

#define BENCH_TAG "bench"
#define PIPE_MAX_IDLE_CALLS 1000000ULL

enum pipe_failure {
    PIPE_OK = 0,
    PIPE_FLUSH_FAILED,  /* flush returned something other than FLB_OK */
    PIPE_MALFORMED,     /* a chunk is not a sequence of msgpack values */
    PIPE_STARVED        /* PIPE_MAX_IDLE_CALLS calls in a row without data */
};

struct pipe_job {
    /* input */
    flb_input_callback_ctx_fn collect_ctx;
    flb_input_callback_fn collect;
    flb_input_cleanup_ctx_fn cleanup_ctx;
    flb_input_cleanup_fn cleanup;
    void *in_remote_context;
    /* output */
    flb_flush_ctx_fn flush_ctx;
    flb_flush_fn flush;
    void *out_remote_context;

    unsigned long long target;

    /* results */
    unsigned long long records;
    unsigned long long bytes;
    unsigned long long chunks;
    unsigned long long calls;  /* input callback calls, data or not */
    double seconds;
    enum pipe_failure failure;
    int failed_ret;            /* PIPE_FLUSH_FAILED: what flush returned */
    size_t failed_offset;      /* PIPE_MALFORMED: where the walk stopped */
    size_t failed_len;         /* PIPE_MALFORMED: the chunk's size */
};

/* Counts the top-level msgpack values of a chunk (one per event). Returns 0,
 * or -1 with *bad_offset set to the start of the value that could not be
 * read completely. */
static int count_events(const void *data, size_t len, unsigned long long *count,
                        size_t *bad_offset)
{
    struct mp_cursor c = mp_cursor_make(data, len);
    unsigned long long n = 0;

    while (!mp_at_end(&c)) {
        if (mp_skip(&c) != 0) {
            *bad_offset = (size_t)(c.p - (const uint8_t *)data);
            return -1;
        }
        n++;
    }
    *count = n;
    return 0;
}

/* Hands a chunk back to the input plugin. The cleanup's return value is
 * ignored: Fluent Bit only logs a -1, and the buffer is gone either way. */
static void release_chunk(const struct pipe_job *job, void *data)
{
    if (job->cleanup_ctx) {
        job->cleanup_ctx(job->in_remote_context, data);
    }
    else if (job->cleanup) {
        job->cleanup(data);
    }
    else {
        free(data);
    }
}

static void *pipe_thread(void *arg)
{
    struct pipe_job *job = arg;
    char tag[] = BENCH_TAG;  /* FlushCtx takes a mutable char * */
    unsigned long long idle = 0, n;
    double start;
    void *data;
    size_t len;
    int ret;

    start = mh_now_seconds();
    while (job->records < job->target) {
        data = NULL;
        len = 0;
        ret = job->collect_ctx
            ? job->collect_ctx(job->in_remote_context, &data, &len)
            : job->collect(&data, &len);
        job->calls++;
        /* After -1 the plugin still owns whatever it returned; with no data
         * there is nothing to flush or give back. (NULL with a length is a
         * plugin bug; flbhost treats it as no data, so does this.) */
        if (ret == -1 || len == 0 || !data) {
            if (++idle >= PIPE_MAX_IDLE_CALLS) {
                job->failure = PIPE_STARVED;
                break;
            }
            continue;
        }
        idle = 0;

        if (count_events(data, len, &n, &job->failed_offset) != 0) {
            job->failure = PIPE_MALFORMED;
            job->failed_len = len;
            release_chunk(job, data);
            break;
        }
        ret = job->flush_ctx
            ? job->flush_ctx(job->out_remote_context, data, len, tag)
            : job->flush(data, len, tag);
        release_chunk(job, data);
        if (ret != FLB_OK) {
            job->failure = PIPE_FLUSH_FAILED;
            job->failed_ret = ret;
            break;
        }
        job->records += n;
        job->bytes += len;
        job->chunks++;
    }
    job->seconds = mh_now_seconds() - start;
    return NULL;
}

/* Splits the key=value arguments between the two instances by prefix. */
static void split_properties(int argc, char **argv, int first,
                             struct mh_instance *in, struct mh_instance *out)
{
    int i;

    mh_instance_alloc(in, argc - first);
    mh_instance_alloc(out, argc - first);
    for (i = first; i < argc; i++) {
        if (strncasecmp(argv[i], "in.", 3) == 0) {
            mh_instance_add(in, argv[i] + 3, argv[i]);
        }
        else if (strncasecmp(argv[i], "out.", 4) == 0) {
            mh_instance_add(out, argv[i] + 4, argv[i]);
        }
        else {
            die("property '%s' must start with in. (input) or out. (output)", argv[i]);
        }
    }
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    /* defs, apis and contexts: alive until Unregister */
    static struct mh_library in_lib, out_lib;
    static struct flb_plugin_input_proxy_context in_context;  /* 24 B, zeroed */
    static struct flb_plugin_proxy_context out_context;
    static struct flbgo_input_plugin in_plugin;
    static struct flbgo_output_plugin out_plugin;
    struct mh_instance in_instance, out_instance;
    struct pipe_job job;
    flb_init_fn in_init, out_init;
    flb_pre_run_fn in_pre_run, out_pre_run;
    flb_pre_exit_fn in_pre_exit, out_pre_exit;
    flb_exit_fn in_exit, out_exit;
    flb_exit_ctx_fn out_exit_ctx;
    flb_unregister_fn in_unregister, out_unregister;
    int ret;

    if (argc < 4) {
        fprintf(stderr,
                "usage: %s INPUT.so OUTPUT.so TARGET_RECORDS [in.key=value ...] "
                "[out.key=value ...]\n", argv[0]);
        return 2;
    }
    memset(&job, 0, sizeof(job));
    job.target = mh_parse_count(argv[3], "TARGET_RECORDS");
    split_properties(argc, argv, 4, &in_instance, &out_instance);

    /* ---- input: load, resolve, init (Fluent Bit initialises inputs first) */
    mh_load(&in_lib, argv[1], FLB_PROXY_INPUT_PLUGIN, "input plugin");
    in_init = (flb_init_fn)mh_symbol(in_lib.handle, "FLBPluginInit");
    job.collect_ctx = (flb_input_callback_ctx_fn)mh_symbol(in_lib.handle,
                                                           "FLBPluginInputCallbackCtx");
    job.collect = (flb_input_callback_fn)mh_symbol(in_lib.handle, "FLBPluginInputCallback");
    job.cleanup_ctx = (flb_input_cleanup_ctx_fn)mh_symbol(in_lib.handle,
                                                          "FLBPluginInputCleanupCallbackCtx");
    job.cleanup = (flb_input_cleanup_fn)mh_symbol(in_lib.handle,
                                                  "FLBPluginInputCleanupCallback");
    in_pre_run = (flb_pre_run_fn)mh_symbol(in_lib.handle, "FLBPluginInputPreRun");
    in_pre_exit = (flb_pre_exit_fn)mh_symbol(in_lib.handle, "FLBPluginInputPreExit");
    in_exit = (flb_exit_fn)mh_symbol(in_lib.handle, "FLBPluginExit");  /* no ExitCtx for inputs */
    in_unregister = (flb_unregister_fn)mh_symbol(in_lib.handle, "FLBPluginUnregister");
    if (!in_init) {
        die("input plugin: %s does not export FLBPluginInit", argv[1]);
    }
    if (!job.collect_ctx && !job.collect) {
        die("input plugin: %s exports neither FLBPluginInputCallbackCtx nor "
            "FLBPluginInputCallback", argv[1]);
    }

    in_plugin.name = in_lib.def.name;
    in_plugin.api = &in_lib.api;
    in_plugin.i_ins = &in_instance;
    in_plugin.context = &in_context;
    ret = in_init(&in_plugin);
    if (ret <= 0) {
        die("input plugin: FLBPluginInit failed (returned %d)", ret);
    }
    if (in_pre_run) {
        in_pre_run(0);
    }
    /* Read after Init and PreRun: the plugin stores it (at offset 8) then. */
    job.in_remote_context = in_context.remote_context;

    /* ---- output: load, resolve, init ------------------------------------ */
    mh_load(&out_lib, argv[2], FLB_PROXY_OUTPUT_PLUGIN, "output plugin");
    out_init = (flb_init_fn)mh_symbol(out_lib.handle, "FLBPluginInit");
    job.flush_ctx = (flb_flush_ctx_fn)mh_symbol(out_lib.handle, "FLBPluginFlushCtx");
    job.flush = (flb_flush_fn)mh_symbol(out_lib.handle, "FLBPluginFlush");
    out_pre_run = (flb_pre_run_fn)mh_symbol(out_lib.handle, "FLBPluginOutputPreRun");
    out_pre_exit = (flb_pre_exit_fn)mh_symbol(out_lib.handle, "FLBPluginOutputPreExit");
    out_exit_ctx = (flb_exit_ctx_fn)mh_symbol(out_lib.handle, "FLBPluginExitCtx");
    out_exit = (flb_exit_fn)mh_symbol(out_lib.handle, "FLBPluginExit");
    out_unregister = (flb_unregister_fn)mh_symbol(out_lib.handle, "FLBPluginUnregister");
    if (!out_init) {
        die("output plugin: %s does not export FLBPluginInit", argv[2]);
    }
    if (!job.flush_ctx && !job.flush) {
        die("output plugin: %s exports neither FLBPluginFlushCtx nor FLBPluginFlush", argv[2]);
    }

    out_plugin.name = out_lib.def.name;
    out_plugin.api = &out_lib.api;
    out_plugin.o_ins = &out_instance;
    out_plugin.context = &out_context;
    ret = out_init(&out_plugin);
    if (ret <= 0) {
        die("output plugin: FLBPluginInit failed (returned %d)", ret);
    }
    if (out_pre_run) {
        out_pre_run(0);
    }
    job.out_remote_context = out_context.remote_context;

    /* ---- the measured loop ---------------------------------------------- */
    mh_run_thread(pipe_thread, &job);
    switch (job.failure) {
    case PIPE_OK:
        break;
    case PIPE_FLUSH_FAILED:
        die("flush of chunk %llu (after %llu records) returned %d, not FLB_OK",
            job.chunks + 1, job.records, job.failed_ret);
    case PIPE_MALFORMED:
        die("input chunk %llu (%zu bytes, after %llu records) is not valid msgpack: "
            "the value at byte %zu cannot be read",
            job.chunks + 1, job.failed_len, job.records, job.failed_offset);
    case PIPE_STARVED:
        die("the input produced no data in %llu consecutive calls "
            "(%llu of %llu records so far)",
            PIPE_MAX_IDLE_CALLS, job.records, job.target);
    }

    /* ---- shutdown, in Fluent Bit's order: outputs, then inputs ----------- */
    if (out_pre_exit) {
        out_pre_exit(0);
    }
    if (out_exit_ctx) {
        out_exit_ctx(out_context.remote_context);
    }
    else if (out_exit) {
        out_exit();
    }
    if (in_pre_exit) {
        in_pre_exit(0);
    }
    if (in_exit) {
        in_exit();
    }

    printf("{\"input\":");
    mh_print_json_string(in_lib.def.name);
    printf(",\"output\":");
    mh_print_json_string(out_lib.def.name);
    printf(",\"records\":%llu,\"bytes\":%llu,\"chunks\":%llu,\"seconds\":%.9f,"
           "\"records_per_sec\":%.3f,\"bytes_per_sec\":%.1f}\n",
           job.records, job.bytes, job.chunks, job.seconds,
           job.seconds > 0 ? (double)job.records / job.seconds : 0.0,
           job.seconds > 0 ? (double)job.bytes / job.seconds : 0.0);

    /* Unregister frees def.name, so it comes after the last use. The
     * libraries are not dlclose'd: Go plugins cannot be unloaded anyway. */
    if (in_unregister) {
        in_unregister(&in_lib.def);
    }
    if (out_unregister) {
        out_unregister(&out_lib.def);
    }
    mh_instance_free(&in_instance);
    mh_instance_free(&out_instance);
    return fflush(stdout) == 0 ? 0 : 1;
}
