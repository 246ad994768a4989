/*
 * out_keepptr: keeps the plugin struct pointer it receives in FLBPluginInit
 * and logs through it later, from any instance's flush, the way calyptia
 * plugins keep `ptr` and log through it from goroutines for the rest of the
 * process.
 *
 * A host must therefore keep every {name, api, ins, context} struct it
 * handed to Init valid forever, even after the instance has exited. The
 * test: instance A is created, closed and garbage-collected; then a flush of
 * instance B makes the plugin log through A's old pointer, and that line
 * must reach the host as A's.
 *
 * Properties: `id`, echoed in the log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_util.h"

/* Every struct pointer ever received, kept for good. */
#define MAX_KEPT 64
static struct flbgo_output_plugin *kept[MAX_KEPT];
static int kept_count;

FLB_EXPORT int FLBPluginRegister(struct flb_plugin_proxy_def *def)
{
    return pu_def_fill(def, FLB_PROXY_OUTPUT_PLUGIN, "keepptr",
                       "Logs through plugin pointers kept from Init");
}

FLB_EXPORT int FLBPluginInit(void *plugin)
{
    if (kept_count < MAX_KEPT) kept[kept_count++] = plugin;
    return FLB_OK;
}

/* On each flush, log once through every pointer kept so far. */
FLB_EXPORT int FLBPluginFlush(const void *data, size_t len, const char *tag)
{
    (void) data;
    (void) len;
    for (int i = 0; i < kept_count; i++) {
        struct flbgo_output_plugin *p = kept[i];
        if (p->api->output_log_check(p->o_ins, FLB_LOG_INFO)) {
            p->api->log_print(FLB_LOG_INFO, NULL, 0, "keepptr: kept pointer %d, flush tag %s", i, tag);
        }
    }
    return FLB_OK;
}
