/*
 * builtin.h: components the host carries itself, registered like plugins
 * so configs name them the same way: the collector's health_check
 * extension (and, with the durable queue, file_storage).
 */
#ifndef OTELC_CORE_BUILTIN_H
#define OTELC_CORE_BUILTIN_H

#include "loader.h"

/* Adds every built-in descriptor to reg. 0 or -1. */
int builtin_register(plugin_registry *reg);

#endif
