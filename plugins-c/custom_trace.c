/*
 * custom_trace: a custom plugin (def type 3) that records its two calls.
 *
 * Custom plugins only have FLBPluginInit and FLBPluginExit and never see
 * data. Each call appends a line to $FLBHOST_TRACE_FILE (when set):
 *
 *   init <id>    every FLBPluginInit ("-" when id is unset)
 *   exit         every FLBPluginExit
 *
 * and Init logs "custom_trace: init <id>" at INFO through
 * custom_log_check + log_print, so a test can see the api table's custom
 * slots (custom_get_property @56, custom_log_check @64) at work.
 *
 * Properties:
 *   id       instance name used above
 *   return   int (default 1, FLB_OK): Init's return value (<= 0 fails)
 *
 * No FLBPluginUnregister: Fluent Bit's custom destroy never calls it. The
 * def strings are therefore freed by the next FLBPluginRegister (a host may
 * register again after its last instance went away) or when the .so is
 * unloaded.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>

#include "abi.h"
#include "plugin_util.h"

/* The def strings of the last Register. */
static char *g_name;
static char *g_description;

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    free(g_name);
    free(g_description);
    g_name = NULL;
    g_description = NULL;
    if (pu_def_fill(def, FLB_PROXY_CUSTOM_PLUGIN, "custom_trace",
                    "Record Init/Exit of a custom plugin (test fixture)") != 0) {
        return -1;
    }
    g_name = def->name;
    g_description = def->description;
    return 0;
}

__attribute__((destructor))
static void custom_trace_unload(void)
{
    free(g_name);
    free(g_description);
    g_name = NULL;
    g_description = NULL;
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    struct pu_host host = pu_custom_host_of(plugin);
    const char *id = pu_prop(&host, "id");
    const char *ret = pu_prop(&host, "return");
    int result = FLB_OK;

    if (!id || !*id) {
        id = "-";
    }
    pu_trace("init %s", id);
    pu_logf(&host, FLB_LOG_INFO, "custom_trace: init %s", id);
    if (ret && *ret && pu_parse_int(ret, &result) != 0) {
        pu_logf(&host, FLB_LOG_ERROR, "custom_trace: invalid return '%s'", ret);
        return FLB_ERROR;
    }
    return result;
}

FLB_EXPORT int FLBPluginExit(void)
{
    pu_trace("exit");
    return FLB_OK;
}
