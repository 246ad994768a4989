/*
 * A bounds-checked msgpack reader: a cursor {p, end} over a buffer the host
 * owns. Every read checks the remaining length before touching a byte,
 * because flush data comes from outside the plugin and a truncated or hostile
 * chunk must produce an error, never a read past the end.
 *
 * Conventions: functions return 0 on success and -1 on error, and on error
 * the cursor is left where it was, so a caller may try another reader.
 */
#ifndef FLBHOST_MSGPACK_READ_H
#define FLBHOST_MSGPACK_READ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Nesting limit for the recursive readers (skip, JSON). Real records are far
 * shallower; the limit only stops a crafted chunk from exhausting the stack
 * of the flush thread. */
#define MP_MAX_DEPTH 64

enum mp_type {
    MP_NIL = 1,
    MP_BOOL,
    MP_UINT,   /* any integer >= 0, whatever its encoding */
    MP_INT,    /* any integer < 0 */
    MP_FLOAT,  /* float32 or float64, widened to double */
    MP_STR,
    MP_BIN,
    MP_ARRAY,
    MP_MAP,
    MP_EXT
};

struct mp_cursor {
    const uint8_t *p;
    const uint8_t *end;
};

struct mp_value {
    enum mp_type type;
    uint32_t len;          /* str/bin/ext: payload bytes; array: items; map: pairs */
    int8_t ext_type;       /* MP_EXT only */
    int is_float32;        /* MP_FLOAT only: keeps the shortest round-trip text short */
    const uint8_t *data;   /* str/bin/ext: payload, inside the cursor's buffer */
    union {
        uint64_t u;
        int64_t i;
        double f;
        int b;
    } v;
};

static inline struct mp_cursor mp_cursor_make(const void *data, size_t len)
{
    struct mp_cursor c;
    c.p = (const uint8_t *)data;
    c.end = c.p + len;
    return c;
}

static inline size_t mp_remaining(const struct mp_cursor *c)
{
    return (size_t)(c->end - c->p);
}

static inline int mp_at_end(const struct mp_cursor *c)
{
    return c->p >= c->end;
}

static inline uint16_t mp_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t mp_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t mp_be64(const uint8_t *p)
{
    return (uint64_t)mp_be32(p) << 32 | mp_be32(p + 4);
}

/*
 * Reads the header of the next value. For str/bin/ext the payload is consumed
 * too (and bounds-checked) and exposed through out->data; for array/map the
 * cursor stops at the first element, so the caller walks the children.
 */
static inline int mp_read(struct mp_cursor *c, struct mp_value *out)
{
    const uint8_t *p = c->p;
    const uint8_t *end = c->end;
    uint8_t b;
    uint32_t payload = 0;  /* str/bin/ext bytes still to consume */

/* WHY a macro: every branch needs the same "enough bytes left?" check and a
 * forgotten one is exactly the bug this file exists to prevent. */
#define MP_NEED(n) do { if ((size_t)(end - p) < (size_t)(n)) return -1; } while (0)

    MP_NEED(1);
    b = *p++;
    memset(out, 0, sizeof(*out));

    if (b <= 0x7f) {
        out->type = MP_UINT;
        out->v.u = b;
    }
    else if (b >= 0xe0) {
        out->type = MP_INT;
        out->v.i = (int8_t)b;
    }
    else if (b <= 0x8f) {
        out->type = MP_MAP;
        out->len = b & 0x0f;
    }
    else if (b <= 0x9f) {
        out->type = MP_ARRAY;
        out->len = b & 0x0f;
    }
    else if (b <= 0xbf) {
        out->type = MP_STR;
        payload = b & 0x1f;
    }
    else {
        switch (b) {
        case 0xc0: out->type = MP_NIL; break;
        case 0xc2: out->type = MP_BOOL; out->v.b = 0; break;
        case 0xc3: out->type = MP_BOOL; out->v.b = 1; break;
        case 0xc4: MP_NEED(1); out->type = MP_BIN; payload = p[0]; p += 1; break;
        case 0xc5: MP_NEED(2); out->type = MP_BIN; payload = mp_be16(p); p += 2; break;
        case 0xc6: MP_NEED(4); out->type = MP_BIN; payload = mp_be32(p); p += 4; break;
        case 0xc7:
            MP_NEED(2);
            out->type = MP_EXT; payload = p[0]; out->ext_type = (int8_t)p[1]; p += 2;
            break;
        case 0xc8:
            MP_NEED(3);
            out->type = MP_EXT; payload = mp_be16(p); out->ext_type = (int8_t)p[2]; p += 3;
            break;
        case 0xc9:
            MP_NEED(5);
            out->type = MP_EXT; payload = mp_be32(p); out->ext_type = (int8_t)p[4]; p += 5;
            break;
        case 0xca: {
            uint32_t bits;
            float f;
            MP_NEED(4);
            bits = mp_be32(p);
            memcpy(&f, &bits, sizeof(f));
            out->type = MP_FLOAT; out->v.f = f; out->is_float32 = 1; p += 4;
            break;
        }
        case 0xcb: {
            uint64_t bits;
            double d;
            MP_NEED(8);
            bits = mp_be64(p);
            memcpy(&d, &bits, sizeof(d));
            out->type = MP_FLOAT; out->v.f = d; p += 8;
            break;
        }
        case 0xcc: MP_NEED(1); out->type = MP_UINT; out->v.u = p[0]; p += 1; break;
        case 0xcd: MP_NEED(2); out->type = MP_UINT; out->v.u = mp_be16(p); p += 2; break;
        case 0xce: MP_NEED(4); out->type = MP_UINT; out->v.u = mp_be32(p); p += 4; break;
        case 0xcf: MP_NEED(8); out->type = MP_UINT; out->v.u = mp_be64(p); p += 8; break;
        case 0xd0: MP_NEED(1); out->v.i = (int8_t)p[0]; p += 1; goto signed_int;
        case 0xd1: MP_NEED(2); out->v.i = (int16_t)mp_be16(p); p += 2; goto signed_int;
        case 0xd2: MP_NEED(4); out->v.i = (int32_t)mp_be32(p); p += 4; goto signed_int;
        case 0xd3: MP_NEED(8); out->v.i = (int64_t)mp_be64(p); p += 8; goto signed_int;
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
            /* fixext 1/2/4/8/16: the payload size is in the type byte */
            MP_NEED(1);
            out->type = MP_EXT; payload = 1u << (b - 0xd4); out->ext_type = (int8_t)p[0]; p += 1;
            break;
        case 0xd9: MP_NEED(1); out->type = MP_STR; payload = p[0]; p += 1; break;
        case 0xda: MP_NEED(2); out->type = MP_STR; payload = mp_be16(p); p += 2; break;
        case 0xdb: MP_NEED(4); out->type = MP_STR; payload = mp_be32(p); p += 4; break;
        case 0xdc: MP_NEED(2); out->type = MP_ARRAY; out->len = mp_be16(p); p += 2; break;
        case 0xdd: MP_NEED(4); out->type = MP_ARRAY; out->len = mp_be32(p); p += 4; break;
        case 0xde: MP_NEED(2); out->type = MP_MAP; out->len = mp_be16(p); p += 2; break;
        case 0xdf: MP_NEED(4); out->type = MP_MAP; out->len = mp_be32(p); p += 4; break;
        default:
            /* 0xc1 is "never used" in the spec: treat it as corruption */
            return -1;
        }
    }

    if (out->type == MP_STR || out->type == MP_BIN || out->type == MP_EXT) {
        MP_NEED(payload);
        out->len = payload;
        out->data = p;
        p += payload;
    }
    c->p = p;
    return 0;

signed_int:
    /* Signed encodings of non-negative numbers are normal (some encoders
     * always use int64); report them as UINT so callers test one type. */
    if (out->v.i >= 0) {
        out->type = MP_UINT;
        out->v.u = (uint64_t)out->v.i;
    }
    else {
        out->type = MP_INT;
    }
    c->p = p;
    return 0;
#undef MP_NEED
}

/* Reads the next header without consuming it. */
static inline int mp_peek(const struct mp_cursor *c, struct mp_value *out)
{
    struct mp_cursor tmp = *c;
    return mp_read(&tmp, out);
}

static inline int mp_skip_depth(struct mp_cursor *c, int depth)
{
    struct mp_value v;
    uint64_t n, i;

    if (depth > MP_MAX_DEPTH || mp_read(c, &v) != 0) {
        return -1;
    }
    if (v.type != MP_ARRAY && v.type != MP_MAP) {
        return 0;
    }
    /* A map of n pairs is 2n values; uint64 because n can be 2^32-1. The
     * loop ends on a short buffer anyway: every value is at least one byte. */
    n = v.type == MP_MAP ? 2 * (uint64_t)v.len : v.len;
    for (i = 0; i < n; i++) {
        if (mp_skip_depth(c, depth + 1) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Skips one whole value, children included. */
static inline int mp_skip(struct mp_cursor *c)
{
    struct mp_cursor tmp = *c;
    if (mp_skip_depth(&tmp, 0) != 0) {
        return -1;
    }
    *c = tmp;
    return 0;
}

/* Skips one whole value and returns a cursor spanning exactly its bytes, so
 * it can be re-read later (e.g. a record's map). */
static inline int mp_take(struct mp_cursor *c, struct mp_cursor *span)
{
    const uint8_t *start = c->p;
    if (mp_skip(c) != 0) {
        return -1;
    }
    span->p = start;
    span->end = c->p;
    return 0;
}

/* Typed readers: consume the value only if it has the expected type. */
static inline int mp_read_type(struct mp_cursor *c, enum mp_type want, struct mp_value *v)
{
    struct mp_cursor tmp = *c;
    if (mp_read(&tmp, v) != 0 || v->type != want) {
        return -1;
    }
    *c = tmp;
    return 0;
}

static inline int mp_read_nil(struct mp_cursor *c)
{
    struct mp_value v;
    return mp_read_type(c, MP_NIL, &v);
}

static inline int mp_read_bool(struct mp_cursor *c, int *out)
{
    struct mp_value v;
    if (mp_read_type(c, MP_BOOL, &v) != 0) {
        return -1;
    }
    *out = v.v.b;
    return 0;
}

static inline int mp_read_uint(struct mp_cursor *c, uint64_t *out)
{
    struct mp_value v;
    if (mp_read_type(c, MP_UINT, &v) != 0) {
        return -1;
    }
    *out = v.v.u;
    return 0;
}

/* Accepts any integer that fits in int64_t. */
static inline int mp_read_int(struct mp_cursor *c, int64_t *out)
{
    struct mp_cursor tmp = *c;
    struct mp_value v;

    if (mp_read(&tmp, &v) != 0) {
        return -1;
    }
    if (v.type == MP_INT) {
        *out = v.v.i;
    }
    else if (v.type == MP_UINT && v.v.u <= (uint64_t)INT64_MAX) {
        *out = (int64_t)v.v.u;
    }
    else {
        return -1;
    }
    *c = tmp;
    return 0;
}

static inline int mp_read_float(struct mp_cursor *c, double *out)
{
    struct mp_value v;
    if (mp_read_type(c, MP_FLOAT, &v) != 0) {
        return -1;
    }
    *out = v.v.f;
    return 0;
}

/* The string is NOT NUL-terminated: it points into the chunk. */
static inline int mp_read_str(struct mp_cursor *c, const char **s, uint32_t *len)
{
    struct mp_value v;
    if (mp_read_type(c, MP_STR, &v) != 0) {
        return -1;
    }
    *s = (const char *)v.data;
    *len = v.len;
    return 0;
}

static inline int mp_read_bin(struct mp_cursor *c, const uint8_t **data, uint32_t *len)
{
    struct mp_value v;
    if (mp_read_type(c, MP_BIN, &v) != 0) {
        return -1;
    }
    *data = v.data;
    *len = v.len;
    return 0;
}

static inline int mp_read_ext(struct mp_cursor *c, int8_t *type,
                              const uint8_t **data, uint32_t *len)
{
    struct mp_value v;
    if (mp_read_type(c, MP_EXT, &v) != 0) {
        return -1;
    }
    *type = v.ext_type;
    *data = v.data;
    *len = v.len;
    return 0;
}

/* Container headers: the cursor then sits on the first element. */
static inline int mp_read_array(struct mp_cursor *c, uint32_t *count)
{
    struct mp_value v;
    if (mp_read_type(c, MP_ARRAY, &v) != 0) {
        return -1;
    }
    *count = v.len;
    return 0;
}

static inline int mp_read_map(struct mp_cursor *c, uint32_t *pairs)
{
    struct mp_value v;
    if (mp_read_type(c, MP_MAP, &v) != 0) {
        return -1;
    }
    *pairs = v.len;
    return 0;
}

#endif /* FLBHOST_MSGPACK_READ_H */
