/* otelc's entry point: parse the command line, load the config, hand over
 * to the host. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config/config.h"
#include "host.h"
#include "telemetry/log.h"
#include "admin/queue_cli.h"
#include "admin/admin_command.h"

/* service.telemetry.logs.level applies unless OTELC_LOG said otherwise. */
static void apply_config_log_level(const otelc_config *cfg, int env_set_level)
{
    otelc_log_level level;

    if (env_set_level == 0 && cfg->telemetry.log_level != NULL &&
        otelc_log_level_parse(cfg->telemetry.log_level, &level) == 0)
        otelc_log_set_level(level);
}

/* The config, or NULL after printing every error: those of the file
 * itself and, when it was understood well enough, the plugins' too. */
static otelc_config *load_config(const otelc_options *opts)
{
    otelc_errors errs;
    otelc_errors_init(&errs);
    otelc_config *cfg = otelc_config_load_all((const char *const *)opts->config_files,
                                              opts->n_config_files, &errs);
    if (cfg != NULL && otelc_errors_count(&errs) > 0) {
        otelc_check_plugins(opts, cfg, &errs);
        otelc_errors_sort(&errs, 0, cfg->files, cfg->n_files);
        otelc_config_free(cfg);
        cfg = NULL;
    }
    if (cfg == NULL) {
        otelc_errors_print(&errs, stderr);
        fprintf(stderr, "otelc: the config has %zu error(s)\n", otelc_errors_count(&errs));
    }
    otelc_errors_fini(&errs);
    return cfg;
}

int main(int argc, char **argv)
{
    otelc_options opts;
    otelc_config *cfg;
    int env_set_level = otelc_log_init_from_env();
    int rc;

    if (otelc_cli_parse(argc, argv, getenv("OTELC_PLUGIN_PATH"), &opts, stderr) != 0)
        return OTELC_EXIT_USAGE;
    if (opts.command == OTELC_CMD_HELP || opts.command == OTELC_CMD_VERSION) {
        if (opts.command == OTELC_CMD_HELP)
            otelc_cli_print_help(stdout);
        else
            otelc_cli_print_version(stdout);
        otelc_options_free(&opts);
        return OTELC_EXIT_OK;
    }
    if (opts.command == OTELC_CMD_QUEUE) {
        rc = otelc_queue_command(&opts);
        otelc_options_free(&opts);
        return rc;
    }
    if (opts.command == OTELC_CMD_ADMIN) {
        rc = otelc_admin_command(&opts);
        otelc_options_free(&opts);
        return rc;
    }
    if (opts.command == OTELC_CMD_COMPONENTS) {
        rc = otelc_components(&opts);
        otelc_options_free(&opts);
        return rc;
    }
    cfg = load_config(&opts);
    if (cfg == NULL) {
        otelc_options_free(&opts);
        return OTELC_EXIT_CONFIG;
    }
    apply_config_log_level(cfg, env_set_level);
    if (opts.command == OTELC_CMD_VALIDATE) {
        rc = otelc_validate(&opts, cfg);
        if (rc == OTELC_EXIT_OK)
            printf("otelc: the config is valid\n");
    } else {
        rc = otelc_run(&opts, cfg);
    }
    otelc_config_free(cfg);
    otelc_options_free(&opts);
    return rc;
}
