/*
 * Small helpers every C proxy plugin needs: filling the registration def,
 * reading properties and logging through the host's flb_api, walking a
 * Fluent Bit chunk event by event, and appending to files.
 */
#ifndef FLBHOST_PLUGIN_UTIL_H
#define FLBHOST_PLUGIN_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "msgpack_read.h"

/* Plugins build with -fvisibility=hidden so that only the FLBPlugin* entry
 * points are visible to dlsym and nothing else can clash with the host. */
#define FLB_EXPORT __attribute__((visibility("default")))

/* The output entry points a plugin may define, with the signatures the host
 * calls (abi.h's typedefs). Declaring them here turns a definition with a
 * wrong signature into a compile error instead of a crash at call time; a
 * declaration a plugin does not define costs nothing. */
FLB_EXPORT int FLBPluginPreRegister(int hot_reloading);
FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def);
FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def);
FLB_EXPORT int FLBPluginInit(void *plugin);
FLB_EXPORT int FLBPluginOutputPreRun(int enable_hot_reload);
FLB_EXPORT int FLBPluginFlush(const void *data, size_t len, const char *tag);
FLB_EXPORT int FLBPluginFlushCtx(void *remote_context, const void *data, size_t len,
                                 char *tag);
FLB_EXPORT void FLBPluginOutputPreExit(int shutdown_by_hot_reloading);
FLB_EXPORT int FLBPluginExit(void);
FLB_EXPORT int FLBPluginExitCtx(void *remote_context);

/* The input entry points (inputs share Register/Unregister/Init/Exit above;
 * they have no ExitCtx). */
FLB_EXPORT int FLBPluginInputPreRun(int enable_hot_reload);
FLB_EXPORT int FLBPluginInputCallback(void **data, size_t *len);
FLB_EXPORT int FLBPluginInputCallbackCtx(void *remote_context, void **data, size_t *len);
FLB_EXPORT int FLBPluginInputCleanupCallback(void *data);
FLB_EXPORT int FLBPluginInputCleanupCallbackCtx(void *remote_context, void *data);
FLB_EXPORT void FLBPluginInputPause(void);
FLB_EXPORT void FLBPluginInputResume(void);
FLB_EXPORT void FLBPluginInputPreExit(int shutdown_by_hot_reloading);

/* ---------------------------------------------------------------- def ---- */

/* Fills the def the host zeroed. name and description are malloc'd because
 * the ABI makes the plugin own them: it frees them in FLBPluginUnregister
 * (pu_def_release). Returns 0, or -1 if out of memory. */
static inline int pu_def_fill(struct flb_plugin_proxy_def *def, int type,
                              const char *name, const char *description)
{
    char *n = strdup(name);
    char *d = strdup(description);

    if (!n || !d) {
        free(n);
        free(d);
        return -1;
    }
    def->type = type;
    def->proxy = FLB_PROXY_GOLANG;
    def->flags = 0;
    def->name = n;
    def->description = d;
    return 0;
}

static inline void pu_def_release(struct flb_plugin_proxy_def *def)
{
    if (!def) {
        return;
    }
    free(def->name);
    free(def->description);
    def->name = NULL;
    def->description = NULL;
}

/* --------------------------------------------------------------- host ---- */

/* Which of the api's per-kind functions (get_property, log_check) apply. */
enum pu_kind {
    PU_OUTPUT = 0,
    PU_INPUT,
    PU_CUSTOM
};

/* The api table and instance handle of one output instance. The host shares
 * one flbgo_output_plugin per .so and re-points it before each instance's
 * FLBPluginInit, so a plugin must copy these during Init if it wants to log
 * later from Flush/Exit on behalf of the right instance. Inputs and customs
 * work the same way (pu_input_host_of, pu_custom_host_of). */
struct pu_host {
    const struct flb_api *api;
    void *ins;
    enum pu_kind kind;
};

static inline struct pu_host pu_host_of(void *plugin)
{
    const struct flbgo_output_plugin *p = plugin;
    struct pu_host h;
    h.api = p ? p->api : NULL;
    h.ins = p ? p->o_ins : NULL;
    h.kind = PU_OUTPUT;
    return h;
}

/* For FLBPluginInit of an input (struct flbgo_input_plugin). */
static inline struct pu_host pu_input_host_of(void *plugin)
{
    const struct flbgo_input_plugin *p = plugin;
    struct pu_host h;
    h.api = p ? p->api : NULL;
    h.ins = p ? p->i_ins : NULL;
    h.kind = PU_INPUT;
    return h;
}

/* For FLBPluginInit of a custom plugin (struct flbgo_custom_plugin). */
static inline struct pu_host pu_custom_host_of(void *plugin)
{
    const struct flbgo_custom_plugin *p = plugin;
    struct pu_host h;
    h.api = p ? p->api : NULL;
    h.ins = p ? p->c_ins : NULL;
    h.kind = PU_CUSTOM;
    return h;
}

/* Stores the per-instance state the host will pass back to FlushCtx and
 * ExitCtx (what fluent-bit-go calls FLBPluginSetContext). */
static inline void pu_set_context(void *plugin, void *state)
{
    struct flbgo_output_plugin *p = plugin;
    if (p && p->context) {
        p->context->remote_context = state;
    }
}

/* The input version: the 24-byte input context keeps remote_context at
 * offset 8, after the collector fd. FLBPluginInputCallbackCtx and
 * FLBPluginInputCleanupCallbackCtx get it back. */
static inline void pu_input_set_context(void *plugin, void *state)
{
    struct flbgo_input_plugin *p = plugin;
    if (p && p->context) {
        p->context->remote_context = state;
    }
}

/* The value of an instance property, or NULL when unset. The string belongs
 * to the host: copy it if it must outlive Init. */
static inline const char *pu_prop(const struct pu_host *h, const char *key)
{
    const char *(*get)(const char *, void *);

    if (!h->api) {
        return NULL;
    }
    get = h->kind == PU_INPUT    ? h->api->input_get_property
          : h->kind == PU_CUSTOM ? h->api->custom_get_property
                                 : h->api->output_get_property;
    return get ? get(key, h->ins) : NULL;
}

static inline int pu_log_enabled(const struct pu_host *h, int level)
{
    int (*check)(void *, int);

    if (!h->api || !h->api->log_print) {
        return 0;
    }
    check = h->kind == PU_INPUT    ? h->api->input_log_check
            : h->kind == PU_CUSTOM ? h->api->custom_log_check
                                   : h->api->output_log_check;
    return check && check(h->ins, level);
}

/* Same call shape as the Go libraries: log_check, then log_print with a
 * "%s" format so a '%' in msg is never interpreted by the host. */
static inline void pu_log(const struct pu_host *h, int level, const char *msg)
{
    if (pu_log_enabled(h, level)) {
        h->api->log_print(level, NULL, 0, "%s", msg);
    }
}

__attribute__((format(printf, 3, 4)))
static inline void pu_logf(const struct pu_host *h, int level, const char *fmt, ...)
{
    char small[512];
    char *msg = small;
    va_list ap;
    int n;

    /* Checking first means a disabled DEBUG line costs no formatting. */
    if (!pu_log_enabled(h, level)) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= sizeof(small)) {
        msg = malloc((size_t)n + 1);
        if (msg) {
            va_start(ap, fmt);
            vsnprintf(msg, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
        else {
            msg = small;  /* out of memory: log the truncated text */
        }
    }
    h->api->log_print(level, NULL, 0, "%s", msg);
    if (msg != small) {
        free(msg);
    }
}

/* ---------------------------------------------------------- properties ---- */

/* Strict integer parse: the whole string, base 10, fits in int. */
static inline int pu_parse_int(const char *s, int *out)
{
    char *endp;
    long v;

    if (!s || !*s) {
        return -1;
    }
    errno = 0;
    v = strtol(s, &endp, 10);
    if (errno != 0 || *endp != '\0' || endp == s || v < INT_MIN || v > INT_MAX) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

/*
 * An integer property of `plugin` (the name its messages start with): `def`
 * when unset or empty, else the value, which must be an integer >= min.
 * Returns 0, or -1 after logging what was wrong (Init then fails).
 */
static inline int pu_int_prop(const struct pu_host *h, const char *plugin, const char *key, int def,
                              int min, int *out)
{
    const char *v = pu_prop(h, key);

    *out = def;
    if (!v || !*v) {
        return 0;
    }
    if (pu_parse_int(v, out) != 0 || *out < min) {
        pu_logf(h, FLB_LOG_ERROR, "%s: invalid %s '%s' (an integer >= %d)", plugin, key, v, min);
        return -1;
    }
    return 0;
}

/* Fluent Bit's boolean spellings; anything else is false. */
static inline int pu_parse_bool(const char *s)
{
    return s && (strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0 ||
                 strcasecmp(s, "yes") == 0 || strcmp(s, "1") == 0);
}

/* ----------------------------------------------------------------- time ---- */

/* Sleeps `ms` milliseconds in full: a signal that cuts nanosleep short is
 * resumed for what is left, so a test's timing holds. */
static inline void pu_sleep_ms(long ms)
{
    struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };

    while (ms > 0 && nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

/* ----------------------------------------------------------------- files ---- */

/* write(2) until done, retrying EINTR and short writes. */
static inline int pu_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Appends text (a whole line, newline included) to path with a single
 * O_APPEND write, so lines from concurrent callers never interleave. */
static inline int pu_append_text(const char *path, const char *text)
{
    int fd, ret, saved;

    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -1;
    }
    ret = pu_write_all(fd, text, strlen(text));
    saved = errno;
    close(fd);
    errno = saved;
    return ret;
}

/* Appends one formatted line (the newline is added) to $FLBHOST_TRACE_FILE,
 * read at each call; does nothing when it is unset or empty. Test fixtures
 * use it to record the order of the host's calls. Lines written in one of
 * flbhost's loading probes (FLBHOST_PLUGIN_HOST_ROLE=probe) start with
 * "[probe] ", so a test can tell them from the real load's. */
__attribute__((format(printf, 1, 2)))
static inline void pu_trace(const char *fmt, ...)
{
    const char *path = getenv("FLBHOST_TRACE_FILE");
    char small[256];
    char *line = small;
    va_list ap;
    int n;

    if (!path || !*path) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small) - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= sizeof(small) - 1) {
        /* long line: format again into a buffer of the exact size */
        line = malloc((size_t)n + 2);
        if (!line) {
            return;
        }
        va_start(ap, fmt);
        vsnprintf(line, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    {
        const char *role = getenv("FLBHOST_PLUGIN_HOST_ROLE");
        if (role && strcmp(role, "probe") == 0) {
            pu_append_text(path, "[probe] ");
        }
    }
    pu_append_text(path, line);
    if (line != small) {
        free(line);
    }
}

/* ---------------------------------------------------------------- chunk ---- */

/*
 * One event of a Fluent Bit log chunk. A chunk is msgpack values laid end to
 * end with no outer array; each value is one event:
 *   v1: [timestamp, record]
 *   v2: [[timestamp, metadata], record]
 * timestamp is EventTime (ext 0, 8 bytes: u32 BE seconds, u32 BE nanos), a
 * non-negative integer (seconds) or a float (seconds.fraction); metadata and
 * record must be maps.
 */
struct pu_event {
    int64_t sec;
    uint32_t nsec;
    int has_metadata;           /* 1 for v2 events */
    struct mp_cursor metadata;  /* exactly the metadata map; empty for v1 */
    struct mp_cursor record;    /* exactly the record map */
    const uint8_t *raw;         /* the whole event, for plugins that copy it */
    size_t raw_len;
};

struct pu_chunk {
    struct mp_cursor c;
    size_t index;  /* events returned so far, for error messages */
};

static inline void pu_chunk_init(struct pu_chunk *it, const void *data, size_t len)
{
    it->c = mp_cursor_make(data, data ? len : 0);
    it->index = 0;
}

static inline int pu_read_timestamp(struct mp_cursor *c, int64_t *sec, uint32_t *nsec)
{
    struct mp_value v;

    if (mp_read(c, &v) != 0) {
        return -1;
    }
    if (v.type == MP_EXT && v.ext_type == 0 && v.len == 8) {
        *sec = mp_be32(v.data);
        *nsec = mp_be32(v.data + 4);
        return 0;
    }
    if (v.type == MP_UINT && v.v.u <= (uint64_t)INT64_MAX) {
        *sec = (int64_t)v.v.u;
        *nsec = 0;
        return 0;
    }
    /* The upper bound keeps the cast to int64_t defined. */
    if (v.type == MP_FLOAT && v.v.f >= 0 && v.v.f < 9.2e18) {
        double frac;
        *sec = (int64_t)v.v.f;
        frac = (v.v.f - (double)*sec) * 1e9;
        *nsec = frac >= 999999999.0 ? 999999999u : (uint32_t)frac;
        return 0;
    }
    return -1;
}

static inline int pu_take_map(struct mp_cursor *c, struct mp_cursor *span)
{
    struct mp_value v;
    if (mp_peek(c, &v) != 0 || v.type != MP_MAP) {
        return -1;
    }
    return mp_take(c, span);
}

/* Returns 1 and fills ev, 0 at the clean end of the chunk, or -1 if the
 * bytes at the cursor are not a well-formed event (the iterator then stays
 * put; it->index tells which event was bad). */
static inline int pu_chunk_next(struct pu_chunk *it, struct pu_event *ev)
{
    struct mp_cursor c = it->c;
    uint32_t n;

    if (mp_at_end(&c)) {
        return 0;
    }
    memset(ev, 0, sizeof(*ev));
    ev->raw = c.p;

    if (mp_read_array(&c, &n) != 0 || n != 2) {
        return -1;
    }
    if (mp_read_array(&c, &n) == 0) {
        /* v2 header: [timestamp, metadata] */
        if (n != 2 || pu_read_timestamp(&c, &ev->sec, &ev->nsec) != 0 ||
            pu_take_map(&c, &ev->metadata) != 0) {
            return -1;
        }
        ev->has_metadata = 1;
    }
    else if (pu_read_timestamp(&c, &ev->sec, &ev->nsec) != 0) {
        return -1;
    }
    if (pu_take_map(&c, &ev->record) != 0) {
        return -1;
    }
    ev->raw_len = (size_t)(c.p - ev->raw);
    it->c = c;
    it->index++;
    return 1;
}

#endif /* FLBHOST_PLUGIN_UTIL_H */
