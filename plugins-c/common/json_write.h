/*
 * Renders msgpack values as JSON into a growable buffer.
 *
 * The output is always valid UTF-8 JSON whatever the input holds, because
 * its consumers (tests, jq, JSON.parse) reject or mangle anything else:
 *   - str: valid UTF-8 passes through, invalid bytes become U+FFFD;
 *   - bin: a string with bytes >= 0x80 escaped as \u00XX (one char per byte);
 *   - NaN/Infinity (not JSON numbers) become null;
 *   - ext type 0 with 8 bytes (Fluent Bit EventTime) -> {"sec":S,"nsec":N},
 *     any other ext -> {"ext":TYPE,"len":N};
 *   - non-string map keys are rendered as JSON and then quoted, since JSON
 *     object keys must be strings ({1:2} -> {"1":2}).
 *
 * Allocation failure is sticky (jb.oom) so a long run of appends needs one
 * check at the end instead of one per call.
 */
#ifndef FLBHOST_JSON_WRITE_H
#define FLBHOST_JSON_WRITE_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgpack_read.h"

struct jbuf {
    char *data;
    size_t len;
    size_t cap;
    int oom;
};

#define JB_ERR_MALFORMED (-1)
#define JB_ERR_NOMEM (-2)

static inline void jb_init(struct jbuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = 0;
}

static inline void jb_free(struct jbuf *b)
{
    free(b->data);
    jb_init(b);
}

static inline int jb_reserve(struct jbuf *b, size_t extra)
{
    size_t want, cap;
    char *p;

    if (b->oom) {
        return -1;
    }
    if (extra <= b->cap - b->len) {
        return 0;
    }
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = 1;
        return -1;
    }
    want = b->len + extra;
    /* Doubling keeps a flush's many small appends amortised O(1). */
    cap = b->cap ? b->cap : 256;
    while (cap < want) {
        cap *= 2;
    }
    p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

static inline void jb_append(struct jbuf *b, const void *src, size_t n)
{
    if (n == 0 || jb_reserve(b, n) != 0) {
        return;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
}

static inline void jb_putc(struct jbuf *b, char ch)
{
    jb_append(b, &ch, 1);
}

static inline void jb_puts(struct jbuf *b, const char *s)
{
    jb_append(b, s, strlen(s));
}

static inline void jb_u64(struct jbuf *b, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
    jb_append(b, tmp, (size_t)n);
}

static inline void jb_i64(struct jbuf *b, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    jb_append(b, tmp, (size_t)n);
}

/* Shortest of a few precisions that reads back to the same value, so 0.1
 * prints as 0.1 and not 0.10000000000000001. */
static inline void jb_double(struct jbuf *b, double d, int is_float32)
{
    char tmp[40];
    int n, i;

    if (!isfinite(d)) {
        jb_puts(b, "null");
        return;
    }
    if (is_float32) {
        n = snprintf(tmp, sizeof(tmp), "%.7g", d);
        if ((float)strtod(tmp, NULL) != (float)d) {
            n = snprintf(tmp, sizeof(tmp), "%.9g", d);
        }
    }
    else {
        n = snprintf(tmp, sizeof(tmp), "%.15g", d);
        if (strtod(tmp, NULL) != d) {
            n = snprintf(tmp, sizeof(tmp), "%.17g", d);
        }
    }
    /* printf follows LC_NUMERIC; a host that called setlocale() could give
     * us "0,5". JSON wants a dot whatever the locale. */
    for (i = 0; i < n; i++) {
        if (tmp[i] == ',') {
            tmp[i] = '.';
        }
    }
    jb_append(b, tmp, (size_t)n);
}

static inline void jb_escape_byte(struct jbuf *b, uint8_t ch)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

    switch (ch) {
    case '"': jb_append(b, "\\\"", 2); return;
    case '\\': jb_append(b, "\\\\", 2); return;
    case '\b': jb_append(b, "\\b", 2); return;
    case '\f': jb_append(b, "\\f", 2); return;
    case '\n': jb_append(b, "\\n", 2); return;
    case '\r': jb_append(b, "\\r", 2); return;
    case '\t': jb_append(b, "\\t", 2); return;
    default:
        esc[4] = hex[ch >> 4];
        esc[5] = hex[ch & 0x0f];
        jb_append(b, esc, sizeof(esc));
    }
}

/* Length of the valid UTF-8 sequence starting at s (2..4), or 0 if the
 * bytes there are not one (overlongs and surrogates are invalid). */
static inline size_t jb_utf8_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t need, i;
    uint8_t lo = 0x80, hi = 0xbf;  /* allowed range of the second byte */

    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    }
    else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (i = 2; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return need;
}

/* A quoted JSON string. binary=1 escapes every byte >= 0x80 instead of
 * treating the input as UTF-8. */
static inline void jb_string(struct jbuf *b, const uint8_t *s, size_t n, int binary)
{
    size_t i = 0, run = 0;

    jb_putc(b, '"');
    while (i < n) {
        uint8_t ch = s[i];
        size_t seq;

        if (ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\') {
            i++;
            continue;
        }
        if (ch >= 0x80 && !binary && (seq = jb_utf8_len(s + i, n - i)) != 0) {
            i += seq;
            continue;
        }
        /* flush the run of bytes that needed no escaping, in one copy */
        jb_append(b, s + run, i - run);
        if (ch >= 0x80 && !binary) {
            jb_append(b, "\\ufffd", 6);
        }
        else {
            jb_escape_byte(b, ch);
        }
        i++;
        run = i;
    }
    jb_append(b, s + run, n - run);
    jb_putc(b, '"');
}

static inline void jb_cstring(struct jbuf *b, const char *s)
{
    jb_string(b, (const uint8_t *)s, strlen(s), 0);
}

static inline int jb_msgpack_depth(struct jbuf *b, struct mp_cursor *c, int depth);

static inline int jb_map_key(struct jbuf *b, struct mp_cursor *c, int depth)
{
    struct mp_value v;
    struct jbuf tmp;
    int ret;

    if (mp_peek(c, &v) != 0) {
        return JB_ERR_MALFORMED;
    }
    if (v.type == MP_STR || v.type == MP_BIN) {
        mp_read(c, &v);
        jb_string(b, v.data, v.len, v.type == MP_BIN);
        return 0;
    }
    /* Render the key as JSON on the side, then quote that text. */
    jb_init(&tmp);
    ret = jb_msgpack_depth(&tmp, c, depth);
    if (ret == 0 && tmp.oom) {
        ret = JB_ERR_NOMEM;
    }
    if (ret == 0) {
        jb_string(b, (const uint8_t *)tmp.data, tmp.len, 0);
    }
    jb_free(&tmp);
    return ret;
}

static inline int jb_msgpack_depth(struct jbuf *b, struct mp_cursor *c, int depth)
{
    struct mp_value v;
    uint32_t i;
    int ret;

    if (depth > MP_MAX_DEPTH || mp_read(c, &v) != 0) {
        return JB_ERR_MALFORMED;
    }
    switch (v.type) {
    case MP_NIL: jb_puts(b, "null"); break;
    case MP_BOOL: jb_puts(b, v.v.b ? "true" : "false"); break;
    case MP_UINT: jb_u64(b, v.v.u); break;
    case MP_INT: jb_i64(b, v.v.i); break;
    case MP_FLOAT: jb_double(b, v.v.f, v.is_float32); break;
    case MP_STR: jb_string(b, v.data, v.len, 0); break;
    case MP_BIN: jb_string(b, v.data, v.len, 1); break;
    case MP_EXT:
        if (v.ext_type == 0 && v.len == 8) {
            jb_puts(b, "{\"sec\":");
            jb_u64(b, mp_be32(v.data));
            jb_puts(b, ",\"nsec\":");
            jb_u64(b, mp_be32(v.data + 4));
            jb_putc(b, '}');
        }
        else {
            jb_puts(b, "{\"ext\":");
            jb_i64(b, v.ext_type);
            jb_puts(b, ",\"len\":");
            jb_u64(b, v.len);
            jb_putc(b, '}');
        }
        break;
    case MP_ARRAY:
        jb_putc(b, '[');
        for (i = 0; i < v.len; i++) {
            if (i) jb_putc(b, ',');
            if ((ret = jb_msgpack_depth(b, c, depth + 1)) != 0) return ret;
        }
        jb_putc(b, ']');
        break;
    case MP_MAP:
        jb_putc(b, '{');
        for (i = 0; i < v.len; i++) {
            if (i) jb_putc(b, ',');
            if ((ret = jb_map_key(b, c, depth + 1)) != 0) return ret;
            jb_putc(b, ':');
            if ((ret = jb_msgpack_depth(b, c, depth + 1)) != 0) return ret;
        }
        jb_putc(b, '}');
        break;
    }
    return b->oom ? JB_ERR_NOMEM : 0;
}

/* Appends the next msgpack value as JSON. Returns 0, JB_ERR_MALFORMED (the
 * buffer may then hold a partial value: discard it) or JB_ERR_NOMEM. */
static inline int jb_msgpack(struct jbuf *b, struct mp_cursor *c)
{
    return jb_msgpack_depth(b, c, 0);
}

#endif /* FLBHOST_JSON_WRITE_H */
