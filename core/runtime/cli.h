/* otelc's command line:
 *   otelc [--config FILE]... [--plugin-dir DIR]...     run the pipelines
 *   otelc validate [--config FILE]... [--plugin-dir DIR]...
 *   otelc components [--plugin-dir DIR]...             list the plugins
 *   otelc queue inspect|replay EXPORTER [ID] [--admin HOST:PORT]
 *   otelc admin GET|POST|DELETE PATH [--admin HOST:PORT] [--config FILE]...
 *   otelc --version | --help
 * `--config=FILE` and `--plugin-dir=DIR` work too. Without --config the
 * shipped pipelines.yaml is used: ./pipelines.yaml, else the one in the
 * source tree. Plugin directories are --plugin-dir ones in order, then
 * the entries of OTELC_PLUGIN_PATH (colon-separated).
 *
 * Not thread-safe (runs once, in main). */
#ifndef OTELC_CLI_H
#define OTELC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Process exit codes, also listed by --help and docs/config.md. */
enum {
    OTELC_EXIT_OK = 0,
    OTELC_EXIT_CONFIG = 1, /* the config is invalid or unreadable */
    OTELC_EXIT_USAGE = 2,  /* the command line is wrong */
    OTELC_EXIT_START = 3,  /* a plugin or listener failed to start */
};

typedef enum otelc_command {
    OTELC_CMD_RUN = 0,
    OTELC_CMD_VALIDATE,
    OTELC_CMD_COMPONENTS,
    OTELC_CMD_QUEUE,
    OTELC_CMD_ADMIN,
    OTELC_CMD_VERSION,
    OTELC_CMD_HELP,
} otelc_command;

typedef struct otelc_options {
    otelc_command command;
    char **config_files;     /* owned; at least one for run and validate */
    size_t n_config_files;
    bool config_is_default;  /* no --config: the shipped pipelines.yaml */
    char **plugin_dirs;      /* owned; --plugin-dir, then OTELC_PLUGIN_PATH */
    size_t n_plugin_dirs;
    char **args;             /* owned; words after a command that takes them (queue, admin) */
    size_t nargs;
    char *admin;             /* owned; --admin HOST:PORT of a running daemon, or NULL */
    bool keys;               /* components --keys: every key of every plugin */
} otelc_options;

/* Parses argv[1..argc). `plugin_path_env` is OTELC_PLUGIN_PATH's value (or
 * NULL); it is passed in so tests need not touch the environment. Returns
 * OTELC_EXIT_OK with *opts filled (free with otelc_options_free()), or
 * OTELC_EXIT_USAGE after writing a one-line reason to `err`, with *opts
 * empty. Reads the working directory to find the default config. */
int otelc_cli_parse(int argc, char *const *argv, const char *plugin_path_env,
                    otelc_options *opts, FILE *err);

/* Frees what otelc_cli_parse() stored; the struct is zeroed. */
void otelc_options_free(otelc_options *opts);

/* The config used without --config: "pipelines.yaml" when the working
 * directory has one, else an installed otelc's
 * share/otelc/pipelines.yaml, else OTELC_SOURCE_DIR "/pipelines.yaml".
 * Static string (main thread). */
const char *otelc_cli_default_config(void);

/* Whether the running executable is <prefix>/OTELC_BIN_INSTALL_DIR/otelc
 * and <prefix>/rel exists and is readable; that path goes into buf (cap
 * bytes). An installed otelc finds its plugins and its config this way,
 * wherever the tree was put; a build tree's binary never does. */
bool otelc_beside_exe(const char *rel, char *buf, size_t cap);

void otelc_cli_print_help(FILE *out);

/* "otelc <version>" and a newline. */
void otelc_cli_print_version(FILE *out);

#endif
