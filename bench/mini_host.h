/*
 * mini_host.h: the little proxy-plugin host shared by the benchmark
 * baselines (direct_flush.c, direct_pipe.c).
 *
 * Each baseline is a single .c file that loads plugins the way flbhost does
 * and then calls them in a tight loop. The loading, the flb_api callbacks
 * and the error handling are the same for all of them, so they live here
 * once; what differs (which callbacks run in the loop, what is measured and
 * printed) stays in the program.
 *
 * Header-only with static functions on purpose: the baselines stay
 * independent executables with nothing to link but libdl and pthreads, and
 * there is no library target to keep in step with the CMake file. The
 * functions are `static inline` only so that a program which does not call
 * one of them gets no -Wunused-function warning; speed is not the point.
 *
 * Before including, define MINI_HOST_PROG as the program name: die() prefixes
 * every error message with it.
 *
 * Needs _POSIX_C_SOURCE >= 200809L (clock_gettime, pthread_sigmask,
 * strncasecmp), defined by the including file before any system header.
 */
#ifndef FLBHOST_BENCH_MINI_HOST_H
#define FLBHOST_BENCH_MINI_HOST_H

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

#ifndef MINI_HOST_PROG
#error "define MINI_HOST_PROG (the program name for error messages) before including mini_host.h"
#endif

/* ---- errors -------------------------------------------------------------- */

/* A benchmark has nothing to recover: any failure ends the run with a
 * message on stderr and exit status 1, so a script never mistakes a broken
 * run for a result. */
__attribute__((format(printf, 1, 2), noreturn))
static inline void die(const char *fmt, ...)
{
    va_list ap;

    fputs(MINI_HOST_PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- instance properties ------------------------------------------------- */

/* One key=value from the command line. The strings point into argv, which
 * lives as long as the process, so nothing is copied. */
struct mh_prop {
    const char *key;
    size_t key_len;
    const char *value;
};

/* What a plugin gets as its opaque instance pointer (o_ins / i_ins): the
 * property list it reads back through the flb_api. */
struct mh_instance {
    struct mh_prop *props;
    int count;
};

/* Room for up to `capacity` properties (the caller knows the argument count,
 * so the list never grows). */
static inline void mh_instance_alloc(struct mh_instance *ins, int capacity)
{
    ins->count = 0;
    ins->props = calloc((size_t)capacity + 1, sizeof(*ins->props));
    if (!ins->props) {
        die("out of memory");
    }
}

/* Adds "key=value". `shown` is the argument as the user typed it (it may
 * carry a prefix that `kv` no longer has), for the error message. */
static inline void mh_instance_add(struct mh_instance *ins, const char *kv, const char *shown)
{
    const char *eq = strchr(kv, '=');

    if (!eq || eq == kv) {
        die("property '%s' is not key=value", shown);
    }
    ins->props[ins->count].key = kv;
    ins->props[ins->count].key_len = (size_t)(eq - kv);
    ins->props[ins->count].value = eq + 1;
    ins->count++;
}

static inline void mh_instance_free(struct mh_instance *ins)
{
    free(ins->props);
    ins->props = NULL;
    ins->count = 0;
}

/* ---- the flb_api the plugins call back into ------------------------------ */

static inline const char *mh_get_property(const char *key, void *ins)
{
    struct mh_instance *mi = ins;
    int i;

    if (!key || !mi) {
        return NULL;
    }
    /* Fluent Bit's rule: case-insensitive, exact length, first match wins. */
    for (i = 0; i < mi->count; i++) {
        if (strlen(key) == mi->props[i].key_len &&
            strncasecmp(key, mi->props[i].key, mi->props[i].key_len) == 0) {
            return mi->props[i].value;
        }
    }
    return NULL;
}

static inline void *mh_get_cmt(void *ins)
{
    (void)ins;
    return NULL;  /* no metrics in the baselines */
}

static inline void mh_log_print(int level, const char *file, int line, const char *fmt, ...)
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

static inline int mh_log_check(void *ins, int level)
{
    (void)ins;
    return level <= FLB_LOG_INFO;
}

/* Every slot is filled: plugins may call any of them, whatever their type. */
static inline void mh_api_init(struct flb_api *api)
{
    memset(api, 0, sizeof(*api));
    api->output_get_property = mh_get_property;
    api->input_get_property = mh_get_property;
    api->custom_get_property = mh_get_property;
    api->output_get_cmt_instance = mh_get_cmt;
    api->input_get_cmt_instance = mh_get_cmt;
    api->log_print = mh_log_print;
    api->input_log_check = mh_log_check;
    api->output_log_check = mh_log_check;
    api->custom_log_check = mh_log_check;
}

/* ---- loading a plugin ---------------------------------------------------- */

/* Like Fluent Bit's lookup: clear, dlsym, and trust dlerror, not NULL. */
static inline void *mh_symbol(void *handle, const char *name)
{
    void *p;

    dlerror();
    p = dlsym(handle, name);
    return dlerror() ? NULL : p;
}

/* One loaded and registered plugin library. Kept in static storage by the
 * caller: the plugin may hold on to &def (and the api) until Unregister. */
struct mh_library {
    const char *path;
    void *handle;
    struct flb_plugin_proxy_def def;
    struct flb_api api;
};

static inline const char *mh_type_name(int type)
{
    switch (type) {
    case FLB_PROXY_INPUT_PLUGIN: return "input";
    case FLB_PROXY_OUTPUT_PLUGIN: return "output";
    case FLB_PROXY_CUSTOM_PLUGIN: return "custom";
    default: return "unknown";
    }
}

/*
 * dlopen + PreRegister + Register, then checks that the plugin is a proxy
 * plugin of the wanted type with a name. Dies on any failure.
 *
 * `who` prefixes the messages that would not otherwise say which library
 * failed ("input plugin: ..." when a program loads more than one); NULL for
 * none.
 */
static inline void mh_load(struct mh_library *lib, const char *path, int type, const char *who)
{
    flb_pre_register_fn pre_register;
    flb_register_fn reg;
    const char *w = who ? who : "";
    const char *sep = who ? ": " : "";

    memset(lib, 0, sizeof(*lib));  /* the ABI requires a zeroed def */
    lib->path = path;

    lib->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
        die("%s%sdlopen failed: %s", w, sep, dlerror());
    }

    pre_register = (flb_pre_register_fn)mh_symbol(lib->handle, "FLBPluginPreRegister");
    reg = (flb_register_fn)mh_symbol(lib->handle, "FLBPluginRegister");
    if (!reg) {
        die("%s%s%s does not export FLBPluginRegister", w, sep, path);
    }
    if (pre_register && pre_register(0) == -1) {
        die("%s%sFLBPluginPreRegister returned -1", w, sep);
    }
    if (reg(&lib->def) == -1) {
        die("%s%sFLBPluginRegister returned -1", w, sep);
    }
    if (lib->def.proxy != FLB_PROXY_GOLANG || lib->def.type != type) {
        die("%s%snot %s %s proxy plugin (proxy=%d, type=%d)", w, sep,
            type == FLB_PROXY_CUSTOM_PLUGIN ? "a" : "an", mh_type_name(type),
            lib->def.proxy, lib->def.type);
    }
    if (!lib->def.name) {
        die("%s%sFLBPluginRegister set no name", w, sep);
    }
    mh_api_init(&lib->api);
}

/* ---- running ------------------------------------------------------------- */

static inline double mh_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs fn on `count` new pthreads, the i-th with the i-th of `args` (an
 * array of arg_size-byte elements), and waits for them all. The plugin is never called
 * on the main thread, as in the host (Go plugins pay extra for callbacks on
 * the main thread, golang/go#68587). Like the host's plugin threads, the new
 * thread leaves async signals to the main thread: it inherits a mask that
 * blocks them. */
#define MH_MAX_THREADS 64

static inline void mh_run_threads(void *(*fn)(void *), void *args, size_t arg_size, int count)
{
    sigset_t block, old;
    pthread_t threads[MH_MAX_THREADS];
    int i, ret;

    if (count < 1 || count > MH_MAX_THREADS) {
        die("thread count %d is not in 1..%d", count, MH_MAX_THREADS);
    }

    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (i = 0; i < count; i++) {
        ret = pthread_create(&threads[i], NULL, fn, (char *)args + (size_t)i * arg_size);
        if (ret != 0) {
            die("pthread_create: %s", strerror(ret));
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (i = 0; i < count; i++) {
        pthread_join(threads[i], NULL);
    }
}

static inline void mh_run_thread(void *(*fn)(void *), void *arg)
{
    mh_run_threads(fn, arg, 0, 1);
}

/* ---- output -------------------------------------------------------------- */

/* A JSON string literal for a plugin name (which the plugin chose, so it is
 * escaped rather than trusted). */
static inline void mh_print_json_string(const char *s)
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

/* Parses a positive decimal count (ITERATIONS, TARGET_RECORDS); dies with
 * "<what> must be a positive integer" otherwise. */
static inline unsigned long long mh_parse_count(const char *s, const char *what)
{
    unsigned long long v;
    char *endp;

    errno = 0;
    v = strtoull(s, &endp, 10);
    /* strtoull accepts "-3" (as a huge value), hence the explicit sign check. */
    if (errno || *endp || endp == s || v == 0 || s[0] == '-') {
        die("%s must be a positive integer, got '%s'", what, s);
    }
    return v;
}

#endif /* FLBHOST_BENCH_MINI_HOST_H */
