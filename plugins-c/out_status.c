/*
 * out_status: returns a flush status chosen by the tag.
 *
 * Shows the legacy single-instance entry points, FLBPluginFlush(data, len,
 * tag) and FLBPluginExit(void), which a host uses only when the Ctx variants
 * are absent. Tests use it to drive the host's OK/RETRY/ERROR handling:
 *
 *   "ok" -> FLB_OK   "retry" -> FLB_RETRY   "error" -> FLB_ERROR
 *   "code.<n>" -> n (any int, e.g. "code.7", "code.-1"), to check that the
 *   host maps unknown codes to FLB_ERROR
 *   anything else -> FLB_OK
 */
#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "abi.h"
#include "plugin_util.h"

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "status",
                       "Return the flush status named by the tag");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    (void)plugin;  /* no properties, no per-instance state */
    return FLB_OK;
}

static int status_for_tag(const char *tag)
{
    int code;

    if (!tag) {
        return FLB_OK;
    }
    if (strcmp(tag, "ok") == 0) {
        return FLB_OK;
    }
    if (strcmp(tag, "retry") == 0) {
        return FLB_RETRY;
    }
    if (strcmp(tag, "error") == 0) {
        return FLB_ERROR;
    }
    if (strncmp(tag, "code.", 5) == 0 && pu_parse_int(tag + 5, &code) == 0) {
        return code;
    }
    return FLB_OK;
}

FLB_EXPORT int FLBPluginFlush(const void *data, size_t len, const char *tag)
{
    (void)data;
    (void)len;
    return status_for_tag(tag);
}

FLB_EXPORT int FLBPluginExit(void)
{
    return FLB_OK;
}

FLB_EXPORT void FLBPluginUnregister(struct flb_plugin_proxy_def *def)
{
    pu_def_release(def);
}
