/* The pipeline host: builds the pipeline graph from a loaded config,
 * loads plugins, starts them and runs until a signal. */
#ifndef OTELC_HOST_H
#define OTELC_HOST_H

#include "cli.h"
#include "config/config.h"

/* Runs the pipelines of `cfg` with the plugin directories of `opts`; both
 * are borrowed and outlive the call. Returns a process exit code:
 * OTELC_EXIT_OK after a clean shutdown, OTELC_EXIT_CONFIG when a
 * component's own config is wrong, OTELC_EXIT_START when something fails
 * to start. Call from the main thread. */
int otelc_run(const otelc_options *opts, otelc_config *cfg);

/* `otelc validate`: loads the plugins and checks every component's keys
 * against its plugin's table, without creating anything. Returns
 * OTELC_EXIT_OK or OTELC_EXIT_CONFIG (errors printed to stderr). */
int otelc_validate(const otelc_options *opts, otelc_config *cfg);

/* Adds to errs what the plugins find wrong in cfg (unknown types, keys,
 * values; signals; connectors) when cfg already has errors of its own,
 * so that one run names them all. Creates nothing. */
void otelc_check_plugins(const otelc_options *opts, otelc_config *cfg, otelc_errors *errs);

/* `otelc components`: prints every plugin found (kind, type, version, ABI,
 * file) and every refused file. Returns an exit code. */
int otelc_components(const otelc_options *opts);

#endif
