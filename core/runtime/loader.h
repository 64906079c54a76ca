/*
 * loader.h: finds plugins, checks their descriptors, keeps a registry.
 *
 * Each .so is opened with RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE and never
 * closed. The checks run in this order, and the first failure refuses the
 * file with "<path>: <reason> (plugin ABI x.y, host ABI a.b)": entry symbol,
 * ABI major, ABI minor, struct size, kind and type, duplicate kind+type.
 * Main thread only.
 */
#ifndef OTELC_CORE_LOADER_H
#define OTELC_CORE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

typedef struct plugin_entry {
    char *path;                 /* owned by the registry */
    const otelc_plugin *desc;   /* the plugin's static descriptor */
    int builtin;                /* compiled into the host, no file */
} plugin_entry;

typedef struct plugin_registry {
    plugin_entry *items;
    size_t n, cap;
    char **refusals; /* one message per refused file, owned */
    size_t nrefusals;
} plugin_registry;

/* Loads every *.so of dir in name order. Refusals are logged as errors and
 * recorded; they do not stop the scan. Returns the number loaded, or -1 if
 * dir cannot be read (logged). */
int loader_scan_dir(plugin_registry *r, const char *dir);

/* Loads one file. Returns 0, or -1 with the refusal in err (also recorded
 * in r->refusals). */
int loader_load_file(plugin_registry *r, const char *path, char *err, size_t errlen);

/* Adds a descriptor the host carries itself (the built-in extensions).
 * Same checks as a file; returns 0 or -1. */
int loader_add_builtin(plugin_registry *r, const otelc_plugin *desc);

/* The plugin of that kind and type, or NULL. */
const plugin_entry *registry_find(const plugin_registry *r, otelc_kind kind, const char *type);

/* Frees the registry's memory; the libraries stay loaded. */
void registry_free(plugin_registry *r);

/* "receiver", "processor", "exporter", "extension", "connector" or "?". */
const char *kind_name(otelc_kind kind);

/* The signals d handles (a mask of otelc_signal): its `signals`, traces
 * when it says none or predates them; a connector's, the union of the
 * sides of its pairs that face a pipeline of kind (exporter: in,
 * receiver: out); an extension's, 0. */
uint32_t plugin_signals(const otelc_plugin *d, otelc_kind side);

/* Whether connector d joins in to out. */
bool plugin_connects(const otelc_plugin *d, otelc_signal in, otelc_signal out);

/* "traces", "metrics", "logs" (one signal). */
const char *signal_name(otelc_signal s);

/* The v1.0 descriptor size: the least a plugin's struct_size may be. */
#define OTELC_PLUGIN_V1_0_SIZE (offsetof(otelc_plugin, destroy) + sizeof(void (*)(void *)))

#endif
