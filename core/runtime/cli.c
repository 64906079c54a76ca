/* Command-line parsing; see cli.h. */
#include "cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef OTELC_VERSION
#define OTELC_VERSION "unknown"
#endif
#ifndef OTELC_BIN_INSTALL_DIR
#define OTELC_BIN_INSTALL_DIR "bin"
#endif
#ifndef OTELC_CONFIG_INSTALL_DIR
#define OTELC_CONFIG_INSTALL_DIR "share/otelc"
#endif
#ifndef OTELC_SOURCE_DIR
#define OTELC_SOURCE_DIR "."
#endif

static int push_copy(char ***list, size_t *count, const char *text, size_t len)
{
    char **grown = realloc(*list, (*count + 1) * sizeof(**list));

    if (grown == NULL)
        return -1;
    *list = grown;
    grown[*count] = strndup(text, len);
    if (grown[*count] == NULL)
        return -1;
    (*count)++;
    return 0;
}

/* push_copy() for an option's value, saying so when memory runs out. */
static int store_value(char ***list, size_t *count, const char *value, FILE *err)
{
    if (push_copy(list, count, value, strlen(value)) == 0)
        return 0;
    fprintf(err, "otelc: out of memory\n");
    return -1;
}

/* Matches "--name VALUE" and "--name=VALUE". Returns 1 and sets *value
 * (consuming an argument in the first form), 0 when argv[*i] is another
 * option, -1 when the value is missing or empty. */
static int option_value(int argc, char *const *argv, int *i, const char *name,
                        const char **value)
{
    size_t len = strlen(name);
    const char *arg = argv[*i];

    if (strncmp(arg, name, len) != 0 || (arg[len] != '\0' && arg[len] != '='))
        return 0;
    if (arg[len] == '=') {
        *value = arg + len + 1;
    } else {
        if (*i + 1 >= argc)
            return -1;
        *value = argv[++*i];
    }
    return (*value)[0] != '\0' ? 1 : -1;
}

/* --help beats --version, which beats components, which beats validate
 * (the enum's order): asking for help or the version never runs anything. */
static int set_command(otelc_options *opts, otelc_command command)
{
    if (command > opts->command)
        opts->command = command;
    return 0;
}

/* Handles argv[*i]; returns 0, or -1 after writing the reason to `err`. */
static int parse_one(int argc, char *const *argv, int *i, otelc_options *opts, FILE *err)
{
    const char *arg = argv[*i];
    const char *value = NULL;
    int found;

    if ((found = option_value(argc, argv, i, "--config", &value)) != 0) {
        if (found < 0) {
            fprintf(err, "otelc: --config needs a file\n");
            return -1;
        }
        return store_value(&opts->config_files, &opts->n_config_files, value, err);
    }
    if ((found = option_value(argc, argv, i, "--plugin-dir", &value)) != 0) {
        if (found < 0) {
            fprintf(err, "otelc: --plugin-dir needs a directory\n");
            return -1;
        }
        return store_value(&opts->plugin_dirs, &opts->n_plugin_dirs, value, err);
    }
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
        return set_command(opts, OTELC_CMD_HELP);
    if (strcmp(arg, "--version") == 0)
        return set_command(opts, OTELC_CMD_VERSION);
    if (strcmp(arg, "validate") == 0)
        return set_command(opts, OTELC_CMD_VALIDATE);
    if (strcmp(arg, "components") == 0)
        return set_command(opts, OTELC_CMD_COMPONENTS);
    if (strcmp(arg, "--keys") == 0 && opts->command == OTELC_CMD_COMPONENTS) {
        opts->keys = true;
        return 0;
    }
    if (strcmp(arg, "queue") == 0 && opts->command == OTELC_CMD_RUN)
        return set_command(opts, OTELC_CMD_QUEUE);
    if (strcmp(arg, "admin") == 0 && opts->command == OTELC_CMD_RUN)
        return set_command(opts, OTELC_CMD_ADMIN);
    if ((found = option_value(argc, argv, i, "--admin", &value)) != 0) {
        if (found < 0) {
            fprintf(err, "otelc: --admin needs HOST:PORT\n");
            return -1;
        }
        free(opts->admin);
        opts->admin = strdup(value);
        return opts->admin ? 0 : -1;
    }
    /* queue's own words: inspect|replay EXPORTER [ID]; admin's METHOD PATH */
    if ((opts->command == OTELC_CMD_QUEUE || opts->command == OTELC_CMD_ADMIN) && arg[0] != '-')
        return push_copy(&opts->args, &opts->nargs, arg, strlen(arg));
    if (arg[0] == '-')
        fprintf(err, "otelc: unknown option '%s'; see otelc --help\n", arg);
    else
        fprintf(err, "otelc: unknown command '%s'; see otelc --help\n", arg);
    return -1;
}

/* OTELC_PLUGIN_PATH entries come after --plugin-dir ones; empty entries
 * are skipped. */
static int add_plugin_path(otelc_options *opts, const char *path)
{
    while (path != NULL && *path != '\0') {
        const char *colon = strchr(path, ':');
        size_t len = colon != NULL ? (size_t)(colon - path) : strlen(path);

        if (len > 0 && push_copy(&opts->plugin_dirs, &opts->n_plugin_dirs, path, len) != 0)
            return -1;
        path = colon != NULL ? colon + 1 : NULL;
    }
    return 0;
}

/* Cuts "/<bindir>/otelc" off the running executable's path, leaving its
 * install prefix ("" for "/"), so that printed paths have no "bin/..".
 * False when the binary is not in a bindir, as in a build tree: there a
 * ../lib/otelc/plugins that happens to exist (a tree installed into the
 * build directory's parent) must not win over the fresh plugins.d. */
static bool exe_prefix(char *exe, size_t cap)
{
    size_t blen = strlen(OTELC_BIN_INSTALL_DIR);
    ssize_t n = readlink("/proc/self/exe", exe, cap - 1);
    char *slash = n > 0 ? (exe[n] = 0, strrchr(exe, '/')) : NULL;
    if (!slash || (size_t)(slash - exe) < blen + 1)
        return false;
    char *bindir = slash - blen;
    if (bindir[-1] != '/' || strncmp(bindir, OTELC_BIN_INSTALL_DIR, blen) != 0)
        return false;
    bindir[-1] = '\0';
    return true;
}

bool otelc_beside_exe(const char *rel, char *buf, size_t cap)
{
    char exe[PATH_MAX];
    if (!exe_prefix(exe, sizeof(exe)))
        return false;
    int w = snprintf(buf, cap, "%s/%s", exe, rel);
    return w > 0 && (size_t)w < cap && access(buf, R_OK) == 0;
}

const char *otelc_cli_default_config(void)
{
    static char installed[PATH_MAX + 64];
    if (access("pipelines.yaml", R_OK) == 0)
        return "pipelines.yaml";
    if (otelc_beside_exe(OTELC_CONFIG_INSTALL_DIR "/pipelines.yaml", installed,
                         sizeof(installed)))
        return installed;
    return OTELC_SOURCE_DIR "/pipelines.yaml";
}

static int add_default_config(otelc_options *opts)
{
    const char *path = otelc_cli_default_config();

    opts->config_is_default = true;
    return push_copy(&opts->config_files, &opts->n_config_files, path, strlen(path));
}

int otelc_cli_parse(int argc, char *const *argv, const char *plugin_path_env,
                    otelc_options *opts, FILE *err)
{
    memset(opts, 0, sizeof(*opts));
    for (int i = 1; i < argc; i++) {
        if (parse_one(argc, argv, &i, opts, err) != 0)
            goto out_usage;
    }
    if (add_plugin_path(opts, plugin_path_env) != 0)
        goto out_of_memory;
    if (opts->n_config_files == 0 && add_default_config(opts) != 0)
        goto out_of_memory;
    return OTELC_EXIT_OK;
out_of_memory:
    fprintf(err, "otelc: out of memory\n");
out_usage:
    otelc_options_free(opts);
    return OTELC_EXIT_USAGE;
}

void otelc_options_free(otelc_options *opts)
{
    for (size_t i = 0; i < opts->n_config_files; i++)
        free(opts->config_files[i]);
    for (size_t i = 0; i < opts->n_plugin_dirs; i++)
        free(opts->plugin_dirs[i]);
    for (size_t i = 0; i < opts->nargs; i++)
        free(opts->args[i]);
    free(opts->args);
    free(opts->admin);
    free(opts->config_files);
    free(opts->plugin_dirs);
    memset(opts, 0, sizeof(*opts));
}

void otelc_cli_print_version(FILE *out)
{
    fprintf(out, "otelc %s\n", OTELC_VERSION);
}

void otelc_cli_print_help(FILE *out)
{
    fputs("Usage:\n"
          "  otelc [--config FILE]... [--plugin-dir DIR]...   run the pipelines\n"
          "  otelc validate [--config FILE]...                check the config and exit\n"
          "  otelc components [--keys] [--plugin-dir DIR]...  list the plugins found;\n"
          "                                                   --keys: every config key\n"
          "  otelc queue inspect EXPORTER [--admin HOST:PORT] a running daemon's queue and\n"
          "                                                   dead letters\n"
          "  otelc queue replay EXPORTER [ID] [--admin ...]   send dead letters again\n"
          "  otelc admin GET|POST|DELETE PATH [--admin ...]   one request to a running\n"
          "                                                   daemon's admin endpoint\n"
          "  otelc --version | --help\n"
          "\n"
          "Options:\n"
          "  --config FILE      config file (repeatable; later files merge over\n"
          "                     earlier ones: maps deeply, lists replace). Default:\n"
          "                     ./pipelines.yaml, else the shipped one.\n"
          "  --plugin-dir DIR   where to look for plugins (repeatable), before the\n"
          "                     directories of OTELC_PLUGIN_PATH (colon-separated)\n"
          "  --version          print \"otelc <version>\"\n"
          "  --help             print this text\n"
          "\n"
          "Environment:\n"
          "  OTELC_LOG          error|warn|info|debug (default info)\n"
          "  OTELC_PLUGIN_PATH  colon-separated plugin directories\n"
          "\n"
          "Exit codes:\n"
          "  0  success\n"
          "  1  the config is invalid or unreadable\n"
          "  2  the command line is wrong\n"
          "  3  otelc failed to start (a plugin or listener)\n",
          out);
}
