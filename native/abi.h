/*
 * The Fluent Bit "proxy" plugin ABI, as a plugin .so sees it (LP64 only).
 *
 * This header is plain C so that the addon, the C plugins in plugins-c/ and the
 * benchmark harness all share one definition of every struct and signature.
 * Layouts follow shared/reference/flb-proxy-abi.md section 2; the static
 * assertions at the bottom pin each size and offset, because a plugin reads
 * these structs by offset from its own copy of the headers and a mismatch is
 * silent memory corruption, not a compile error.
 */
#ifndef FLBHOST_ABI_H
#define FLBHOST_ABI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes shared by every callback. */
#define FLB_ERROR 0
#define FLB_OK 1
#define FLB_RETRY 2

/* def->proxy must be this for a Go-proxy plugin (C plugins write it too). */
#define FLB_PROXY_GOLANG 11

/* def->type */
#define FLB_PROXY_INPUT_PLUGIN 1
#define FLB_PROXY_OUTPUT_PLUGIN 2
#define FLB_PROXY_CUSTOM_PLUGIN 3

/* def->event_type bitmask (outputs only; 0 means logs). */
#define FLB_OUTPUT_LOGS 1
#define FLB_OUTPUT_METRICS 2
#define FLB_OUTPUT_TRACES 4

/* Levels passed to log_print and *_log_check. */
#define FLB_LOG_OFF 0
#define FLB_LOG_ERROR 1
#define FLB_LOG_WARN 2
#define FLB_LOG_INFO 3
#define FLB_LOG_DEBUG 4
#define FLB_LOG_TRACE 5
#define FLB_LOG_HELP 6
#define FLB_LOG_IDEBUG 10

/* Filled by the plugin in FLBPluginRegister. The host zeroes all 48 bytes:
 * older plugins never write event_type and none writes config_map. */
struct flb_plugin_proxy_def {
    int type;             /* 0  */
    int proxy;            /* 4  */
    int flags;            /* 8  */
    char *name;           /* 16: malloc'd by the plugin */
    char *description;    /* 24: malloc'd by the plugin */
    int event_type;       /* 32 */
    void *config_map;     /* 40 */
};

/* The host API table. Order is ABI: Fluent Bit only ever appends. The
 * instance arguments are whatever the host put in the plugin struct's
 * o_ins / i_ins / c_ins field. */
struct flb_api {
    const char *(*output_get_property)(const char *key, void *ins);  /* 0  */
    const char *(*input_get_property)(const char *key, void *ins);   /* 8  */
    void *(*output_get_cmt_instance)(void *ins);                     /* 16 */
    void *(*input_get_cmt_instance)(void *ins);                      /* 24 */
    void (*log_print)(int level, const char *file, int line,
                      const char *fmt, ...);                         /* 32 */
    int (*input_log_check)(void *ins, int level);                    /* 40 */
    int (*output_log_check)(void *ins, int level);                   /* 48 */
    const char *(*custom_get_property)(const char *key, void *ins);  /* 56 */
    int (*custom_log_check)(void *ins, int level);                   /* 64 */
};

/* Per-instance context for outputs and customs. The plugin writes
 * remote_context during FLBPluginInit (fluent-bit-go's FLBPluginSetContext). */
struct flb_plugin_proxy_context {
    void *remote_context;  /* 0 */
    void *proxy;           /* 8 */
};

/* Per-instance context for inputs (Fluent Bit >= 4.1): remote_context is at
 * offset 8, after the collector fd. */
struct flb_plugin_input_proxy_context {
    int coll_fd;           /* 0 */
    void *remote_context;  /* 8 */
    void *proxy;           /* 16 */
};

/* The struct FLBPluginInit receives. Plugins only touch name (never), api,
 * the instance pointer and context; the callback slots after them are Fluent
 * Bit's own bookkeeping and stay zero here, kept only so the size matches. */
struct flbgo_output_plugin {
    char *name;                                /* 0  */
    struct flb_api *api;                       /* 8  */
    void *o_ins;                               /* 16 */
    struct flb_plugin_proxy_context *context;  /* 24 */
    void *cb_init;                             /* 32 */
    void *cb_flush;                            /* 40 */
    void *cb_flush_ctx;                        /* 48 */
    void *cb_exit;                             /* 56 */
    void *cb_exit_ctx;                         /* 64 */
};

struct flbgo_input_plugin {
    char *name;                                      /* 0  */
    struct flb_api *api;                             /* 8  */
    void *i_ins;                                     /* 16 */
    struct flb_plugin_input_proxy_context *context;  /* 24 */
    void *cb_init;                                   /* 32 */
    void *cb_collect;                                /* 40 */
    void *cb_collect_ctx;                            /* 48 */
    void *cb_cleanup;                                /* 56 */
    void *cb_cleanup_ctx;                            /* 64 */
    void *cb_exit;                                   /* 72 */
};

struct flbgo_custom_plugin {
    char *name;                                /* 0  */
    struct flb_api *api;                       /* 8  */
    void *c_ins;                               /* 16 */
    struct flb_plugin_proxy_context *context;  /* 24 */
    void *cb_init;                             /* 32 */
    void *cb_exit;                             /* 40 */
};

/* Signatures of the symbols a plugin exports, as the host calls them. Go
 * exports return GoInt (64-bit); reading the low 32 bits as int is correct on
 * x86-64 and aarch64, -1 included. */
typedef int (*flb_pre_register_fn)(int hot_reloading);
typedef int (*flb_register_fn)(struct flb_plugin_proxy_def *def);
typedef void (*flb_unregister_fn)(struct flb_plugin_proxy_def *def);
typedef int (*flb_init_fn)(void *plugin);
typedef int (*flb_flush_fn)(const void *data, size_t len, const char *tag);
typedef int (*flb_flush_ctx_fn)(void *remote_context, const void *data,
                                size_t len, char *tag);
typedef int (*flb_exit_fn)(void);
typedef int (*flb_exit_ctx_fn)(void *remote_context);
typedef int (*flb_pre_run_fn)(int enable_hot_reload);
typedef void (*flb_pre_exit_fn)(int shutdown_by_hot_reloading);
typedef int (*flb_input_callback_fn)(void **data, size_t *len);
typedef int (*flb_input_callback_ctx_fn)(void *remote_context, void **data,
                                         size_t *len);
typedef int (*flb_input_cleanup_fn)(void *data);
typedef int (*flb_input_cleanup_ctx_fn)(void *remote_context, void *data);
typedef void (*flb_input_pause_fn)(void);
typedef void (*flb_input_resume_fn)(void);

#ifdef __cplusplus
#define FLBHOST_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define FLBHOST_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

FLBHOST_STATIC_ASSERT(sizeof(void *) == 8, "the proxy ABI is LP64 only");
FLBHOST_STATIC_ASSERT(sizeof(struct flb_plugin_proxy_def) == 48, "def is 48 bytes");
FLBHOST_STATIC_ASSERT(offsetof(struct flb_plugin_proxy_def, name) == 16, "def.name @16");
FLBHOST_STATIC_ASSERT(offsetof(struct flb_plugin_proxy_def, event_type) == 32, "def.event_type @32");
FLBHOST_STATIC_ASSERT(offsetof(struct flb_plugin_proxy_def, config_map) == 40, "def.config_map @40");
FLBHOST_STATIC_ASSERT(sizeof(struct flb_api) == 72, "flb_api is 72 bytes");
FLBHOST_STATIC_ASSERT(offsetof(struct flb_api, log_print) == 32, "api.log_print @32");
FLBHOST_STATIC_ASSERT(offsetof(struct flb_api, custom_log_check) == 64, "api.custom_log_check @64");
FLBHOST_STATIC_ASSERT(sizeof(struct flb_plugin_proxy_context) == 16, "output context is 16 bytes");
FLBHOST_STATIC_ASSERT(sizeof(struct flb_plugin_input_proxy_context) == 24, "input context is 24 bytes");
FLBHOST_STATIC_ASSERT(offsetof(struct flb_plugin_input_proxy_context, remote_context) == 8,
                      "input remote_context @8");
FLBHOST_STATIC_ASSERT(sizeof(struct flbgo_output_plugin) == 72, "output plugin struct is 72 bytes");
FLBHOST_STATIC_ASSERT(sizeof(struct flbgo_input_plugin) == 80, "input plugin struct is 80 bytes");
FLBHOST_STATIC_ASSERT(sizeof(struct flbgo_custom_plugin) == 48, "custom plugin struct is 48 bytes");
FLBHOST_STATIC_ASSERT(offsetof(struct flbgo_output_plugin, context) == 24, "plugin.context @24");

#ifdef __cplusplus
}
#endif

#endif /* FLBHOST_ABI_H */
