/*
 * in_gen: an input plugin that generates numbered records, for tests and
 * benchmarks of a host's input path.
 *
 * One source, three .so files (one per -D):
 *
 *   (none)           in_gen.so: FLBPluginInputCallback and
 *                    FLBPluginInputCleanupCallback (which free()s the chunk)
 *   GEN_NO_CLEANUP   in_gen_nocleanup.so: no cleanup symbol at all, so the
 *                    host must free() the chunk itself (it is malloc'd)
 *   GEN_FAULTS       (with GEN_CTX) in_gen_faulty.so, for the isolation
 *                    tests: also takes crash_file, a countdown file (see
 *                    common/fault_inject.h); a callback after the first
 *                    batch that takes a count crashes (SIGSEGV)
 *   GEN_CTX          in_gen_ctx.so: FLBPluginInputCallbackCtx and
 *                    FLBPluginInputCleanupCallbackCtx instead. Init stores a
 *                    per-instance state as remote_context (input context,
 *                    offset 8); both Ctx callbacks check that they get back a
 *                    pointer this plugin stored, and otherwise log an error
 *                    and return -1 (a trace line "bad_context ..." too).
 *
 * Every variant also exports PreRegister, Register, Init, InputPreRun,
 * InputPause, InputResume, InputPreExit, Exit and Unregister.
 *
 * Each callback call produces `records` events, one chunk of msgpack values
 * laid end to end:
 *   v1: [ts, record]              v2: [[ts, {"src":"gen"}], record]
 *   record = {"seq": n, "msg": "generated", "id"?: <id>, "at"?: <ext -1>,
 *             "pad"?: "xxx..."}
 * seq is a running counter of the instance, from 0. The timestamp of event n
 * is 1700000000 + n seconds (mod 2^32 where it is a 32-bit field) and
 * n % 1000000000 nanoseconds.
 *
 * Properties (read in Init; an invalid value fails Init with an error log):
 *   records       int >= 1 (default 1): events per callback call
 *   total         int >= 0 (default 0 = unlimited): once seq reaches it the
 *                 callback returns FLB_OK with *len = 0 and *data untouched;
 *                 the last batch is cut short to end exactly at total
 *   record_bytes  int >= 0 (default 0): add "pad", a string of that many 'x'
 *   id            string (optional): copied into every record as "id"
 *   format        v1 (default) | v2
 *   ts            ext (default: fixext8 d7 00 + BE u32 sec + BE u32 nsec)
 *                 | ext8 (the same value as ext8: c7 08 00 + 8 bytes)
 *                 | int (uint32 ce + BE u32 seconds; cf + u64 past 2^32-1)
 *                 | float (float64 cb: seconds + 0.5)
 *   malformed_at  int >= 0 (optional): the call whose batch contains that
 *                 seq emits the valid events before it, then the garbage
 *                 bytes 92 c1 c1 in place of it and of the rest of the batch.
 *                 seq still advances past the whole batch, and later calls
 *                 are valid again.
 *   nested_time   bool: add "at", a msgpack timestamp ext -1 (fixext4
 *                 d6 ff + BE u32 seconds = 1700000000 + seq)
 *   return        int (default 1 = FLB_OK): what the callback returns when it
 *                 produced data. FLB_ERROR (0) and FLB_RETRY (2) still hand
 *                 the data over. With -1, *data and *len still describe a
 *                 valid chunk (so a host that wrongly ingests it is caught by
 *                 the content, not by a crash), but the plugin keeps owning
 *                 it: it frees it at the start of its next callback call,
 *                 in Init (non-Ctx) or at Unregister. A host must neither
 *                 ingest nor clean it up.
 *   sleep_ms      int >= 0 (default 0): sleep that long in every callback call
 *
 * Trace: one line per call appended to $FLBHOST_TRACE_FILE (read at each
 * call; nothing when unset):
 *   pre_register <arg> | register | init <id> | pre_run <arg> |
 *   collect <id> <events> | cleanup <id> | pause <id> | resume <id> |
 *   pre_exit <arg> | exit | unregister | bad_context collect|cleanup
 * <id> is "-" when the property is unset. <events> counts the valid events
 * in the chunk (not the garbage of malformed_at); the line is written for
 * every call that produced a chunk, whatever it returns.
 *
 * Instance identity. The input ABI gives Pause, Resume, PreRun, PreExit and
 * Exit no instance argument, and the non-Ctx callbacks none either (that is
 * Fluent Bit's ABI, not a shortcut here). So:
 *   - pause/resume print the id of the last instance that was initialised;
 *   - in_gen.so and in_gen_nocleanup.so keep ONE global state: every Init
 *     replaces its settings and restarts seq at 0, and all instances of the
 *     .so then share that state and its counter;
 *   - in_gen_ctx.so keeps one state per instance (its own seq). Exit cannot
 *     tell which instance is leaving, so the states are freed together at
 *     FLBPluginUnregister, which the host calls once no instance is left.
 *
 * Threads: each instance may run on its own thread; every state has a mutex,
 * held while a chunk is built (not while sleeping).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "abi.h"
#include "json_write.h"  /* struct jbuf: the growable byte buffer */
#include "plugin_util.h"
#ifdef GEN_FAULTS
#include "fault_inject.h"
#endif

#if defined(GEN_NO_CLEANUP) && defined(GEN_CTX)
#error "define at most one of GEN_NO_CLEANUP and GEN_CTX"
#endif

#define GEN_BASE_SEC 1700000000u

enum gen_ts { GEN_TS_EXT, GEN_TS_EXT8, GEN_TS_INT, GEN_TS_FLOAT };

/* Settings read from the properties in Init. */
struct gen_config {
    int records;
    int total;         /* 0 = unlimited */
    int record_bytes;
    int malformed_at;  /* -1 = never */
    int ret;
    int sleep_ms;
    int v2;
    int nested_time;
    enum gen_ts ts;
    char *id;          /* malloc'd; NULL when unset */
#ifdef GEN_FAULTS
    char *crash_file;  /* malloc'd; NULL when unset */
#endif
};

struct gen_state {
    pthread_mutex_t lock;
    struct pu_host host;  /* copied at Init, for logging from the callbacks */
    struct gen_config cfg;
    uint64_t seq;         /* the next event's number */
    void *pending;        /* chunk handed back with -1, freed at the next call */
#ifdef GEN_CTX
    struct gen_state *next;
#endif
};

/* g_lock guards the id of the last Init (for pause/resume) and, in the Ctx
 * variant, the list of instance states. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char *g_last_id;
static struct pu_host g_last_host;  /* for errors about an unknown context */

#ifdef GEN_CTX
static struct gen_state *g_states;
#else
static struct gen_state g_state = { .lock = PTHREAD_MUTEX_INITIALIZER };
#endif

static const char *id_or_dash(const char *id)
{
    return id ? id : "-";
}

/* ------------------------------------------------------ msgpack writer ---- */

/* Writers append to a jbuf; its allocation failure is sticky (b->oom), so
 * the caller checks once at the end of a chunk. */

static void mpw_byte(struct jbuf *b, uint8_t v)
{
    jb_append(b, &v, 1);
}

static void mpw_be32(struct jbuf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    jb_append(b, x, sizeof(x));
}

static void mpw_be64(struct jbuf *b, uint64_t v)
{
    mpw_be32(b, (uint32_t)(v >> 32));
    mpw_be32(b, (uint32_t)v);
}

/* The shortest encoding of a non-negative integer. */
static void mpw_uint(struct jbuf *b, uint64_t v)
{
    if (v <= 0x7f) {
        mpw_byte(b, (uint8_t)v);
    }
    else if (v <= 0xff) {
        mpw_byte(b, 0xcc);
        mpw_byte(b, (uint8_t)v);
    }
    else if (v <= 0xffff) {
        uint8_t x[3] = { 0xcd, (uint8_t)(v >> 8), (uint8_t)v };
        jb_append(b, x, sizeof(x));
    }
    else if (v <= 0xffffffffu) {
        mpw_byte(b, 0xce);
        mpw_be32(b, (uint32_t)v);
    }
    else {
        mpw_byte(b, 0xcf);
        mpw_be64(b, v);
    }
}

static void mpw_str_header(struct jbuf *b, size_t n)
{
    if (n <= 31) {
        mpw_byte(b, (uint8_t)(0xa0 | n));
    }
    else if (n <= 0xff) {
        mpw_byte(b, 0xd9);
        mpw_byte(b, (uint8_t)n);
    }
    else if (n <= 0xffff) {
        uint8_t x[3] = { 0xda, (uint8_t)(n >> 8), (uint8_t)n };
        jb_append(b, x, sizeof(x));
    }
    else {
        mpw_byte(b, 0xdb);
        mpw_be32(b, (uint32_t)n);
    }
}

static void mpw_str(struct jbuf *b, const char *s)
{
    size_t n = strlen(s);
    mpw_str_header(b, n);
    jb_append(b, s, n);
}

/* A string of n 'x', written in place. */
static void mpw_pad(struct jbuf *b, size_t n)
{
    mpw_str_header(b, n);
    if (jb_reserve(b, n) != 0) {
        return;
    }
    memset(b->data + b->len, 'x', n);
    b->len += n;
}

static void mpw_map_header(struct jbuf *b, uint32_t pairs)
{
    if (pairs <= 15) {
        mpw_byte(b, (uint8_t)(0x80 | pairs));
    }
    else {
        uint8_t x[3] = { 0xde, (uint8_t)(pairs >> 8), (uint8_t)pairs };
        jb_append(b, x, sizeof(x));
    }
}

/* ------------------------------------------------------------- events ---- */

static void gen_timestamp(struct jbuf *b, enum gen_ts ts, uint64_t seq)
{
    uint64_t sec = GEN_BASE_SEC + seq;
    uint32_t nsec = (uint32_t)(seq % 1000000000u);

    switch (ts) {
    case GEN_TS_EXT:
        mpw_byte(b, 0xd7);
        mpw_byte(b, 0x00);
        mpw_be32(b, (uint32_t)sec);
        mpw_be32(b, nsec);
        break;
    case GEN_TS_EXT8:
        mpw_byte(b, 0xc7);
        mpw_byte(b, 0x08);
        mpw_byte(b, 0x00);
        mpw_be32(b, (uint32_t)sec);
        mpw_be32(b, nsec);
        break;
    case GEN_TS_INT:
        /* Always the 32-bit form while it fits, as the tests expect 0xce. */
        if (sec <= 0xffffffffu) {
            mpw_byte(b, 0xce);
            mpw_be32(b, (uint32_t)sec);
        }
        else {
            mpw_byte(b, 0xcf);
            mpw_be64(b, sec);
        }
        break;
    case GEN_TS_FLOAT: {
        double d = (double)sec + 0.5;
        uint64_t bits;
        memcpy(&bits, &d, sizeof(bits));
        mpw_byte(b, 0xcb);
        mpw_be64(b, bits);
        break;
    }
    }
}

static void gen_event(struct jbuf *b, const struct gen_config *cfg, uint64_t seq)
{
    uint32_t pairs = 2u + (cfg->id ? 1u : 0u) + (cfg->nested_time ? 1u : 0u) +
                     (cfg->record_bytes > 0 ? 1u : 0u);

    mpw_byte(b, 0x92);
    if (cfg->v2) {
        mpw_byte(b, 0x92);
        gen_timestamp(b, cfg->ts, seq);
        mpw_map_header(b, 1);
        mpw_str(b, "src");
        mpw_str(b, "gen");
    }
    else {
        gen_timestamp(b, cfg->ts, seq);
    }
    mpw_map_header(b, pairs);
    mpw_str(b, "seq");
    mpw_uint(b, seq);
    mpw_str(b, "msg");
    mpw_str(b, "generated");
    if (cfg->id) {
        mpw_str(b, "id");
        mpw_str(b, cfg->id);
    }
    if (cfg->nested_time) {
        mpw_str(b, "at");
        mpw_byte(b, 0xd6);
        mpw_byte(b, 0xff);
        mpw_be32(b, (uint32_t)(GEN_BASE_SEC + seq));
    }
    if (cfg->record_bytes > 0) {
        mpw_str(b, "pad");
        mpw_pad(b, (size_t)cfg->record_bytes);
    }
}

/* Builds the chunk of events first .. first+count-1 into b. Returns the
 * number of valid events written (fewer than count when malformed_at falls
 * in the batch: garbage then replaces the rest). */
static size_t gen_chunk(struct jbuf *b, const struct gen_config *cfg,
                        uint64_t first, size_t count)
{
    static const uint8_t garbage[] = { 0x92, 0xc1, 0xc1 };
    size_t per_event = 96 + (cfg->id ? strlen(cfg->id) : 0) + (size_t)cfg->record_bytes;
    size_t i;

    /* One allocation for the common case; the writers grow it otherwise. */
    jb_reserve(b, count * per_event + sizeof(garbage));
    for (i = 0; i < count; i++) {
        uint64_t seq = first + i;
        if (cfg->malformed_at >= 0 && seq == (uint64_t)cfg->malformed_at) {
            jb_append(b, garbage, sizeof(garbage));
            return i;
        }
        gen_event(b, cfg, seq);
    }
    return count;
}

/* ------------------------------------------------------------- config ---- */


static void gen_config_release(struct gen_config *cfg)
{
    free(cfg->id);
    cfg->id = NULL;
#ifdef GEN_FAULTS
    free(cfg->crash_file);
    cfg->crash_file = NULL;
#endif
}

static int gen_config_read(const struct pu_host *host, struct gen_config *cfg)
{
    const char *v;

    memset(cfg, 0, sizeof(*cfg));
    if (pu_int_prop(host, "gen", "records", 1, 1, &cfg->records) != 0 ||
        pu_int_prop(host, "gen", "total", 0, 0, &cfg->total) != 0 ||
        pu_int_prop(host, "gen", "record_bytes", 0, 0, &cfg->record_bytes) != 0 ||
        pu_int_prop(host, "gen", "malformed_at", -1, 0, &cfg->malformed_at) != 0 ||
        pu_int_prop(host, "gen", "return", FLB_OK, INT_MIN, &cfg->ret) != 0 ||
        pu_int_prop(host, "gen", "sleep_ms", 0, 0, &cfg->sleep_ms) != 0) {
        return -1;
    }

    v = pu_prop(host, "format");
    if (!v || !*v || strcasecmp(v, "v1") == 0) {
        cfg->v2 = 0;
    }
    else if (strcasecmp(v, "v2") == 0) {
        cfg->v2 = 1;
    }
    else {
        pu_logf(host, FLB_LOG_ERROR, "gen: invalid format '%s' (v1 or v2)", v);
        return -1;
    }

    v = pu_prop(host, "ts");
    if (!v || !*v || strcasecmp(v, "ext") == 0) {
        cfg->ts = GEN_TS_EXT;
    }
    else if (strcasecmp(v, "ext8") == 0) {
        cfg->ts = GEN_TS_EXT8;
    }
    else if (strcasecmp(v, "int") == 0) {
        cfg->ts = GEN_TS_INT;
    }
    else if (strcasecmp(v, "float") == 0) {
        cfg->ts = GEN_TS_FLOAT;
    }
    else {
        pu_logf(host, FLB_LOG_ERROR, "gen: invalid ts '%s' (ext, ext8, int or float)", v);
        return -1;
    }

    cfg->nested_time = pu_parse_bool(pu_prop(host, "nested_time"));

    v = pu_prop(host, "id");
#ifdef GEN_FAULTS
    {
        const char *crash = pu_prop(host, "crash_file");
        cfg->crash_file = crash && *crash ? strdup(crash) : NULL;
    }
#endif
    if (v && *v && !(cfg->id = strdup(v))) {
        pu_log(host, FLB_LOG_ERROR, "gen: out of memory");
        return -1;
    }
    return 0;
}

/* ----------------------------------------------------------- callbacks ---- */

/* The body of both callback flavours. */
static int gen_collect(struct gen_state *st, void **data, size_t *len)
{
    struct jbuf b;
    uint64_t first;
    size_t count, valid;
    int sleep_ms, ret;

    pthread_mutex_lock(&st->lock);
    sleep_ms = st->cfg.sleep_ms;
#ifdef GEN_FAULTS
    if (st->seq > 0 && pu_fault_take(st->cfg.crash_file)) {
        pu_fault_crash("gen");
    }
#endif
    pthread_mutex_unlock(&st->lock);
    if (sleep_ms > 0) {
        pu_sleep_ms(sleep_ms);
    }

    pthread_mutex_lock(&st->lock);
    free(st->pending);  /* the host had its chance to (wrongly) use it */
    st->pending = NULL;

    first = st->seq;
    count = (size_t)st->cfg.records;
    if (st->cfg.total > 0) {
        if (first >= (uint64_t)st->cfg.total) {
            pthread_mutex_unlock(&st->lock);
            *len = 0;
            return FLB_OK;
        }
        if ((uint64_t)st->cfg.total - first < count) {
            count = (size_t)((uint64_t)st->cfg.total - first);
        }
    }

    jb_init(&b);
    valid = gen_chunk(&b, &st->cfg, first, count);
    if (b.oom) {
        pthread_mutex_unlock(&st->lock);
        jb_free(&b);
        pu_logf(&st->host, FLB_LOG_ERROR, "gen: out of memory building %zu events", count);
        return -1;
    }
    st->seq = first + count;
    ret = st->cfg.ret;
    if (ret == -1) {
        st->pending = b.data;
    }
    *data = b.data;
    *len = b.len;
    pu_trace("collect %s %zu", id_or_dash(st->cfg.id), valid);
    pthread_mutex_unlock(&st->lock);
    return ret;
}

#ifndef GEN_NO_CLEANUP
static int gen_cleanup(struct gen_state *st, void *data)
{
    pthread_mutex_lock(&st->lock);
    if (data && data == st->pending) {
        st->pending = NULL;  /* a host that cleans up after -1: no double free */
    }
    pu_trace("cleanup %s", id_or_dash(st->cfg.id));
    pthread_mutex_unlock(&st->lock);
    free(data);
    return FLB_OK;
}
#endif

#ifdef GEN_CTX
/* The state if remote_context is one that Init stored, else NULL. */
static struct gen_state *gen_lookup(void *remote_context)
{
    struct gen_state *st;

    pthread_mutex_lock(&g_lock);
    for (st = g_states; st && st != remote_context; st = st->next) {
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}

static void gen_bad_context(const char *fn, const char *what, void *remote_context)
{
    struct pu_host host;

    pthread_mutex_lock(&g_lock);
    host = g_last_host;
    pthread_mutex_unlock(&g_lock);
    pu_trace("bad_context %s", what);
    pu_logf(&host, FLB_LOG_ERROR,
            "gen: %s got remote_context %p, which is not a context this plugin set",
            fn, remote_context);
}

FLB_EXPORT int FLBPluginInputCallbackCtx(void *remote_context, void **data, size_t *len)
{
    struct gen_state *st = gen_lookup(remote_context);

    if (!st) {
        gen_bad_context("FLBPluginInputCallbackCtx", "collect", remote_context);
        return -1;
    }
    return gen_collect(st, data, len);
}

FLB_EXPORT int FLBPluginInputCleanupCallbackCtx(void *remote_context, void *data)
{
    struct gen_state *st = gen_lookup(remote_context);

    if (!st) {
        gen_bad_context("FLBPluginInputCleanupCallbackCtx", "cleanup", remote_context);
        free(data);  /* it is still this plugin's malloc'd chunk */
        return -1;
    }
    return gen_cleanup(st, data);
}
#else
FLB_EXPORT int FLBPluginInputCallback(void **data, size_t *len)
{
    return gen_collect(&g_state, data, len);
}

#ifndef GEN_NO_CLEANUP
FLB_EXPORT int FLBPluginInputCleanupCallback(void *data)
{
    return gen_cleanup(&g_state, data);
}
#endif
#endif

/* ----------------------------------------------------------- lifecycle ---- */

FLB_EXPORT int FLBPluginPreRegister(int hot_reloading)
{
    pu_trace("pre_register %d", hot_reloading);
    return 0;
}

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    if (pu_def_fill(def, FLB_PROXY_INPUT_PLUGIN, "gen",
                    "Generate numbered records (test and benchmark fixture)") != 0) {
        return -1;
    }
    pu_trace("register");
    return 0;
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_input_host_of(plugin);
    const char *id = pu_prop(&host, "id");
    struct gen_config cfg;
    char *last_id;

    pu_trace("init %s", id && *id ? id : "-");
    if (gen_config_read(&host, &cfg) != 0) {
        gen_config_release(&cfg);
        return FLB_ERROR;
    }
    last_id = cfg.id ? strdup(cfg.id) : NULL;
    if (cfg.id && !last_id) {
        gen_config_release(&cfg);
        return FLB_ERROR;
    }

#ifdef GEN_CTX
    {
        struct gen_state *st = calloc(1, sizeof(*st));
        if (!st) {
            free(last_id);
            gen_config_release(&cfg);
            return FLB_ERROR;
        }
        pthread_mutex_init(&st->lock, NULL);
        st->host = host;
        st->cfg = cfg;
        pthread_mutex_lock(&g_lock);
        st->next = g_states;
        g_states = st;
        pthread_mutex_unlock(&g_lock);
        pu_input_set_context(plugin, st);
    }
#else
    /* No instance identity in the non-Ctx ABI: the one state starts over. */
    pthread_mutex_lock(&g_state.lock);
    gen_config_release(&g_state.cfg);
    free(g_state.pending);
    g_state.pending = NULL;
    g_state.host = host;
    g_state.cfg = cfg;
    g_state.seq = 0;
    pthread_mutex_unlock(&g_state.lock);
#endif

    pthread_mutex_lock(&g_lock);
    free(g_last_id);
    g_last_id = last_id;
    g_last_host = host;
    pthread_mutex_unlock(&g_lock);

    pu_logf(&host, FLB_LOG_INFO, "gen: %d records per collect", cfg.records);
    return FLB_OK;
}

FLB_EXPORT int FLBPluginInputPreRun(int enable_hot_reload)
{
    pu_trace("pre_run %d", enable_hot_reload);
    return 0;
}

/* Pause and Resume name no instance: print the last initialised one. */
static void gen_trace_last(const char *what)
{
    pthread_mutex_lock(&g_lock);
    pu_trace("%s %s", what, id_or_dash(g_last_id));
    pthread_mutex_unlock(&g_lock);
}

FLB_EXPORT void FLBPluginInputPause(void)
{
    gen_trace_last("pause");
}

FLB_EXPORT void FLBPluginInputResume(void)
{
    gen_trace_last("resume");
}

FLB_EXPORT void FLBPluginInputPreExit(int shutdown_by_hot_reloading)
{
    pu_trace("pre_exit %d", shutdown_by_hot_reloading);
}

/* Called once per instance, without saying which: state is freed at
 * Unregister instead, when no instance is left. */
FLB_EXPORT int FLBPluginExit(void)
{
    pu_trace("exit");
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_trace("unregister");
#ifdef GEN_CTX
    {
        struct gen_state *st, *next;

        pthread_mutex_lock(&g_lock);
        st = g_states;
        g_states = NULL;
        pthread_mutex_unlock(&g_lock);
        for (; st; st = next) {
            next = st->next;
            free(st->pending);
            gen_config_release(&st->cfg);
            pthread_mutex_destroy(&st->lock);
            free(st);
        }
    }
#else
    pthread_mutex_lock(&g_state.lock);
    free(g_state.pending);
    g_state.pending = NULL;
    gen_config_release(&g_state.cfg);
    pthread_mutex_unlock(&g_state.lock);
#endif
    pthread_mutex_lock(&g_lock);
    free(g_last_id);
    g_last_id = NULL;
    memset(&g_last_host, 0, sizeof(g_last_host));
    pthread_mutex_unlock(&g_lock);
    pu_def_release(def);
}
