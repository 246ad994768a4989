/*
 * direct_flush: the smallest possible host, as a baseline for benchmarks.
 *
 * It loads one output plugin the way flbhost does (dlopen, Register, Init,
 * PreRun), then calls its flush ITERATIONS times with the same chunk on each
 * of THREADS dedicated pthreads at once (1 unless --threads is given: an
 * output's Workers, with nothing else on the machine), and prints one JSON
 * line (iterations counts every thread's flushes; seconds is the wall time
 * from the first thread's start to the last one's end):
 *
 *   {"plugin":NAME,"threads":N,"chunk_bytes":N,"iterations":N,"seconds":F,
 *    "flushes_per_sec":F,"bytes_per_sec":F}
 *
 * Comparing that with the same plugin driven through flbhost shows what the
 * host itself costs per flush. Nothing here is tuned beyond "call the plugin
 * in a loop"; the flush thread is not the main thread, as in the host
 * (Go plugins pay extra for callbacks on the main thread, golang/go#68587).
 *
 * usage: direct_flush [--threads N] PLUGIN.so CHUNK_FILE ITERATIONS [key=value ...]
 * key=value pairs are the instance properties (keys are case-insensitive).
 * The flush tag is "bench".
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MINI_HOST_PROG "direct_flush"
#include "mini_host.h"  /* die, properties, flb_api, loading, threads, timing */

#define BENCH_TAG "bench"

struct flush_job {
    flb_flush_ctx_fn flush_ctx;
    flb_flush_fn flush;
    void *remote_context;
    const void *data;
    size_t len;
    unsigned long long iterations;
    unsigned long long failed_at;  /* 1-based; 0 = every flush returned FLB_OK */
    int failed_ret;
};

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL, *grown;
    size_t cap = 0, n = 0, got;

    if (!f) {
        die("cannot open chunk file %s: %s", path, strerror(errno));
    }
    /* A read loop rather than fstat so a pipe or /dev/stdin works too. */
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            grown = realloc(buf, cap);
            if (!grown) {
                die("out of memory reading %s", path);
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    if (ferror(f)) {
        die("cannot read chunk file %s", path);
    }
    fclose(f);
    *len = n;
    return buf;
}

static void *flush_thread(void *arg)
{
    struct flush_job *job = arg;
    char tag[] = BENCH_TAG;  /* FlushCtx takes a mutable char * */
    unsigned long long i;
    int ret;

    for (i = 0; i < job->iterations; i++) {
        ret = job->flush_ctx
            ? job->flush_ctx(job->remote_context, job->data, job->len, tag)
            : job->flush(job->data, job->len, tag);
        if (ret != FLB_OK) {
            job->failed_at = i + 1;
            job->failed_ret = ret;
            break;
        }
    }
    return NULL;
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static struct mh_library lib;  /* def and api: alive until Unregister */
    static struct flb_plugin_proxy_context context;
    static struct flbgo_output_plugin plugin;
    struct mh_instance instance;
    struct flush_job job, jobs[MH_MAX_THREADS];
    int threads = 1, first_arg = 1;
    unsigned long long total;
    double start, seconds;
    flb_init_fn init;
    flb_pre_run_fn pre_run;
    flb_pre_exit_fn pre_exit;
    flb_exit_ctx_fn exit_ctx;
    flb_exit_fn exit_fn;
    flb_unregister_fn unregister;
    unsigned char *chunk;
    int i, ret;

    if (argc > 2 && strcmp(argv[1], "--threads") == 0) {
        threads = (int)mh_parse_count(argv[2], "--threads");
        if (threads < 1 || threads > MH_MAX_THREADS) {
            die("--threads must be 1..%d, got %s", MH_MAX_THREADS, argv[2]);
        }
        first_arg = 3;
    }
    if (argc < first_arg + 3) {
        fprintf(stderr, "usage: %s [--threads N] PLUGIN.so CHUNK_FILE ITERATIONS [key=value ...]\n", argv[0]);
        return 2;
    }
    argv += first_arg - 1;
    argc -= first_arg - 1;
    memset(&job, 0, sizeof(job));
    job.iterations = mh_parse_count(argv[3], "ITERATIONS");

    mh_instance_alloc(&instance, argc - 4);
    for (i = 4; i < argc; i++) {
        mh_instance_add(&instance, argv[i], argv[i]);
    }

    mh_load(&lib, argv[1], FLB_PROXY_OUTPUT_PLUGIN, NULL);

    init = (flb_init_fn)mh_symbol(lib.handle, "FLBPluginInit");
    job.flush_ctx = (flb_flush_ctx_fn)mh_symbol(lib.handle, "FLBPluginFlushCtx");
    job.flush = (flb_flush_fn)mh_symbol(lib.handle, "FLBPluginFlush");
    pre_run = (flb_pre_run_fn)mh_symbol(lib.handle, "FLBPluginOutputPreRun");
    pre_exit = (flb_pre_exit_fn)mh_symbol(lib.handle, "FLBPluginOutputPreExit");
    exit_ctx = (flb_exit_ctx_fn)mh_symbol(lib.handle, "FLBPluginExitCtx");
    exit_fn = (flb_exit_fn)mh_symbol(lib.handle, "FLBPluginExit");
    unregister = (flb_unregister_fn)mh_symbol(lib.handle, "FLBPluginUnregister");
    if (!init) {
        die("%s does not export FLBPluginInit", argv[1]);
    }
    if (!job.flush_ctx && !job.flush) {
        die("%s exports neither FLBPluginFlushCtx nor FLBPluginFlush", argv[1]);
    }

    plugin.name = lib.def.name;
    plugin.api = &lib.api;
    plugin.o_ins = &instance;
    plugin.context = &context;

    ret = init(&plugin);
    if (ret <= 0) {
        die("FLBPluginInit failed (returned %d)", ret);
    }
    if (pre_run) {
        pre_run(0);
    }

    chunk = read_file(argv[2], &job.len);
    if (job.len == 0) {
        die("chunk file %s is empty (Fluent Bit never flushes empty chunks)", argv[2]);
    }
    job.data = chunk;
    job.remote_context = context.remote_context;

    for (i = 0; i < threads; i++) {
        jobs[i] = job;
    }
    start = mh_now_seconds();
    mh_run_threads(flush_thread, jobs, sizeof(jobs[0]), threads);
    seconds = mh_now_seconds() - start;
    for (i = 0; i < threads; i++) {
        if (jobs[i].failed_at) {
            die("thread %d: flush %llu of %llu returned %d, not FLB_OK",
                i + 1, jobs[i].failed_at, jobs[i].iterations, jobs[i].failed_ret);
        }
    }
    total = job.iterations * (unsigned long long)threads;

    if (pre_exit) {
        pre_exit(0);
    }
    if (exit_ctx) {
        exit_ctx(context.remote_context);
    }
    else if (exit_fn) {
        exit_fn();
    }

    printf("{\"plugin\":");
    mh_print_json_string(lib.def.name);
    printf(",\"threads\":%d,\"chunk_bytes\":%zu,\"iterations\":%llu,\"seconds\":%.9f,"
           "\"flushes_per_sec\":%.3f,\"bytes_per_sec\":%.1f}\n",
           threads, job.len, total, seconds,
           seconds > 0 ? (double)total / seconds : 0.0,
           seconds > 0 ? (double)total * (double)job.len / seconds : 0.0);

    /* Unregister frees def.name, so it comes after the last use. The
     * library is not dlclose'd: Go plugins cannot be unloaded anyway. */
    if (unregister) {
        unregister(&lib.def);
    }
    free(chunk);
    mh_instance_free(&instance);
    return fflush(stdout) == 0 ? 0 : 1;
}
