/*
 * builtin_file_storage.h: the collector's file_storage extension, built
 * into the host: the LMDB store behind durable sending queues.
 */
#ifndef OTELC_CORE_BUILTIN_FILE_STORAGE_H
#define OTELC_CORE_BUILTIN_FILE_STORAGE_H

#include "config/config_error.h"
#include "runtime/graph.h"

/* The extension's descriptor (builtin_register adds it). */
extern const otelc_plugin builtin_file_storage_desc;

/* Checks that every exporter's sending_queue.storage names a file_storage
 * extension of service.extensions; problems go to errs at the storage
 * value. Returns how many. Main thread, in graph_build. */
size_t file_storage_check(host *h, otelc_errors *errs);

/* The queue of exporter c: durable on the store of the extension its
 * sending_queue.storage names (created before the exporters), or NULL
 * (logged). Main thread, in create. */
exporter_queue *file_storage_queue_new(host *h, otelc_ctx *c);

#endif
