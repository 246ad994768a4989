/*
 * direct_flush: the smallest possible host, as a baseline for benchmarks.
 *
 * It loads one output plugin the way flbhost does (dlopen, Register, Init,
 * PreRun), then calls its flush ITERATIONS times on one dedicated pthread
 * with the same chunk, and prints one JSON line:
 *
 *   {"plugin":NAME,"chunk_bytes":N,"iterations":N,"seconds":F,
 *    "flushes_per_sec":F,"bytes_per_sec":F}
 *
 * Comparing that with the same plugin driven through flbhost shows what the
 * host itself costs per flush. Nothing here is tuned beyond "call the plugin
 * in a loop"; the flush thread is not the main thread, as in the host
 * (Go plugins pay extra for callbacks on the main thread, golang/go#68587).
 *
 * usage: direct_flush PLUGIN.so CHUNK_FILE ITERATIONS [key=value ...]
 * key=value pairs are the instance properties (keys are case-insensitive).
 * The flush tag is "bench".
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "abi.h"

#define BENCH_TAG "bench"

struct prop {
    const char *key;
    size_t key_len;
    const char *value;
};

/* What the plugin gets as its opaque o_ins: our property list. */
struct bench_instance {
    struct prop *props;
    int count;
};

struct flush_job {
    flb_flush_ctx_fn flush_ctx;
    flb_flush_fn flush;
    void *remote_context;
    const void *data;
    size_t len;
    unsigned long long iterations;
    double seconds;
    unsigned long long failed_at;  /* 1-based; 0 = every flush returned FLB_OK */
    int failed_ret;
};

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("direct_flush: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- the flb_api the plugin calls back into ------------------------------ */

static const char *get_property(const char *key, void *ins)
{
    struct bench_instance *bi = ins;
    int i;

    if (!key || !bi) {
        return NULL;
    }
    /* Fluent Bit's rule: case-insensitive, exact length, first match wins. */
    for (i = 0; i < bi->count; i++) {
        if (strlen(key) == bi->props[i].key_len &&
            strncasecmp(key, bi->props[i].key, bi->props[i].key_len) == 0) {
            return bi->props[i].value;
        }
    }
    return NULL;
}

static void *get_cmt(void *ins)
{
    (void)ins;
    return NULL;  /* no metrics in the baseline */
}

static void log_print(int level, const char *file, int line, const char *fmt, ...)
{
    static const char *names[] = { "off", "error", "warn", "info", "debug", "trace" };
    char msg[1024];
    va_list ap;

    (void)file;
    (void)line;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* One fprintf per line so concurrent plugin threads do not interleave. */
    fprintf(stderr, "[%s] %s\n", level >= 0 && level <= 5 ? names[level] : "log", msg);
}

static int log_check(void *ins, int level)
{
    (void)ins;
    return level <= FLB_LOG_INFO;
}

/* ---- helpers ------------------------------------------------------------- */

/* Like Fluent Bit's lookup: clear, dlsym, and trust dlerror, not NULL. */
static void *symbol(void *handle, const char *name)
{
    void *p;

    dlerror();
    p = dlsym(handle, name);
    return dlerror() ? NULL : p;
}

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

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *flush_thread(void *arg)
{
    struct flush_job *job = arg;
    char tag[] = BENCH_TAG;  /* FlushCtx takes a mutable char * */
    unsigned long long i;
    double start;
    int ret;

    start = now_seconds();
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
    job->seconds = now_seconds() - start;
    return NULL;
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        }
        else if (c < 0x20) {
            printf("\\u%04x", c);
        }
        else {
            putchar(c);
        }
    }
    putchar('"');
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static struct flb_plugin_proxy_def def;  /* zeroed, as the ABI requires */
    static struct flb_api api;
    static struct flb_plugin_proxy_context context;
    static struct flbgo_output_plugin plugin;
    struct bench_instance instance = { NULL, 0 };
    struct flush_job job;
    flb_pre_register_fn pre_register;
    flb_register_fn reg;
    flb_init_fn init;
    flb_pre_run_fn pre_run;
    flb_pre_exit_fn pre_exit;
    flb_exit_ctx_fn exit_ctx;
    flb_exit_fn exit_fn;
    flb_unregister_fn unregister;
    sigset_t block, old;
    pthread_t thread;
    unsigned char *chunk;
    char *endp;
    void *handle;
    int i, ret;

    if (argc < 4) {
        fprintf(stderr, "usage: %s PLUGIN.so CHUNK_FILE ITERATIONS [key=value ...]\n", argv[0]);
        return 2;
    }
    memset(&job, 0, sizeof(job));
    errno = 0;
    job.iterations = strtoull(argv[3], &endp, 10);
    if (errno || *endp || endp == argv[3] || job.iterations == 0 || argv[3][0] == '-') {
        die("ITERATIONS must be a positive integer, got '%s'", argv[3]);
    }

    instance.count = argc - 4;
    instance.props = calloc((size_t)instance.count + 1, sizeof(*instance.props));
    if (!instance.props) {
        die("out of memory");
    }
    for (i = 0; i < instance.count; i++) {
        const char *kv = argv[4 + i];
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            die("property '%s' is not key=value", kv);
        }
        instance.props[i].key = kv;
        instance.props[i].key_len = (size_t)(eq - kv);
        instance.props[i].value = eq + 1;
    }

    handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        die("dlopen failed: %s", dlerror());
    }

    pre_register = (flb_pre_register_fn)symbol(handle, "FLBPluginPreRegister");
    reg = (flb_register_fn)symbol(handle, "FLBPluginRegister");
    if (!reg) {
        die("%s does not export FLBPluginRegister", argv[1]);
    }
    if (pre_register && pre_register(0) == -1) {
        die("FLBPluginPreRegister returned -1");
    }
    if (reg(&def) == -1) {
        die("FLBPluginRegister returned -1");
    }
    if (def.proxy != FLB_PROXY_GOLANG || def.type != FLB_PROXY_OUTPUT_PLUGIN) {
        die("not an output proxy plugin (proxy=%d, type=%d)", def.proxy, def.type);
    }
    if (!def.name) {
        die("FLBPluginRegister set no name");
    }

    init = (flb_init_fn)symbol(handle, "FLBPluginInit");
    job.flush_ctx = (flb_flush_ctx_fn)symbol(handle, "FLBPluginFlushCtx");
    job.flush = (flb_flush_fn)symbol(handle, "FLBPluginFlush");
    pre_run = (flb_pre_run_fn)symbol(handle, "FLBPluginOutputPreRun");
    pre_exit = (flb_pre_exit_fn)symbol(handle, "FLBPluginOutputPreExit");
    exit_ctx = (flb_exit_ctx_fn)symbol(handle, "FLBPluginExitCtx");
    exit_fn = (flb_exit_fn)symbol(handle, "FLBPluginExit");
    unregister = (flb_unregister_fn)symbol(handle, "FLBPluginUnregister");
    if (!init) {
        die("%s does not export FLBPluginInit", argv[1]);
    }
    if (!job.flush_ctx && !job.flush) {
        die("%s exports neither FLBPluginFlushCtx nor FLBPluginFlush", argv[1]);
    }

    /* Every slot is filled: plugins may call any of them. */
    api.output_get_property = get_property;
    api.input_get_property = get_property;
    api.custom_get_property = get_property;
    api.output_get_cmt_instance = get_cmt;
    api.input_get_cmt_instance = get_cmt;
    api.log_print = log_print;
    api.input_log_check = log_check;
    api.output_log_check = log_check;
    api.custom_log_check = log_check;

    plugin.name = def.name;
    plugin.api = &api;
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

    /* Like the host's plugin threads: async signals stay with the main
     * thread (the new thread inherits this mask). */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    ret = pthread_create(&thread, NULL, flush_thread, &job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (ret != 0) {
        die("pthread_create: %s", strerror(ret));
    }
    pthread_join(thread, NULL);
    if (job.failed_at) {
        die("flush %llu of %llu returned %d, not FLB_OK",
            job.failed_at, job.iterations, job.failed_ret);
    }

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
    print_json_string(def.name);
    printf(",\"chunk_bytes\":%zu,\"iterations\":%llu,\"seconds\":%.9f,"
           "\"flushes_per_sec\":%.3f,\"bytes_per_sec\":%.1f}\n",
           job.len, job.iterations, job.seconds,
           job.seconds > 0 ? (double)job.iterations / job.seconds : 0.0,
           job.seconds > 0 ? (double)job.iterations * (double)job.len / job.seconds : 0.0);

    /* Unregister frees def.name, so it comes after the last use. The
     * library is not dlclose'd: Go plugins cannot be unloaded anyway. */
    if (unregister) {
        unregister(&def);
    }
    free(chunk);
    free(instance.props);
    return fflush(stdout) == 0 ? 0 : 1;
}
