/* Command-line parsing: commands, repeated options, plugin paths, the
 * default config and usage errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/cli.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static char err_text[1024];

/* Parses argv with OTELC_PLUGIN_PATH = `env`; usage messages land in
 * err_text. */
static int parse(int argc, char **argv, const char *env, otelc_options *opts)
{
    FILE *err = fmemopen(err_text, sizeof(err_text), "w");
    int rc;

    assert_non_null(err);
    rc = otelc_cli_parse(argc, argv, env, opts, err);
    fclose(err);
    return rc;
}

static void test_run_with_config_files(void **state)
{
    char *argv[] = {"otelc", "--config", "a.yaml", "--config=b.yaml"};
    otelc_options opts;

    assert_int_equal(parse(ARGC(argv), argv, NULL, &opts), OTELC_EXIT_OK);
    assert_int_equal(opts.command, OTELC_CMD_RUN);
    assert_int_equal(opts.n_config_files, 2);
    assert_string_equal(opts.config_files[0], "a.yaml");
    assert_string_equal(opts.config_files[1], "b.yaml");
    assert_false(opts.config_is_default);
    assert_int_equal(opts.n_plugin_dirs, 0);
    otelc_options_free(&opts);
    assert_null(opts.config_files);
}

static void test_validate_command(void **state)
{
    char *argv[] = {"otelc", "validate", "--config", "x.yaml"};
    char *after[] = {"otelc", "--config", "x.yaml", "validate"};
    otelc_options opts;

    assert_int_equal(parse(ARGC(argv), argv, NULL, &opts), OTELC_EXIT_OK);
    assert_int_equal(opts.command, OTELC_CMD_VALIDATE);
    otelc_options_free(&opts);
    assert_int_equal(parse(ARGC(after), after, NULL, &opts), OTELC_EXIT_OK);
    assert_int_equal(opts.command, OTELC_CMD_VALIDATE);
    assert_string_equal(opts.config_files[0], "x.yaml");
    otelc_options_free(&opts);
}

static void test_components_command(void **state)
{
    char *argv[] = {"otelc", "components", "--plugin-dir", "/opt/p"};
    otelc_options opts;

    assert_int_equal(parse(ARGC(argv), argv, NULL, &opts), OTELC_EXIT_OK);
    assert_int_equal(opts.command, OTELC_CMD_COMPONENTS);
    assert_int_equal(opts.n_plugin_dirs, 1);
    otelc_options_free(&opts);
}

static void test_help_and_version_win(void **state)
{
    char *version[] = {"otelc", "validate", "--version"};
    char *help[] = {"otelc", "--version", "validate", "-h"};
    otelc_options opts;

    assert_int_equal(parse(ARGC(version), version, NULL, &opts), OTELC_EXIT_OK);
    assert_int_equal(opts.command, OTELC_CMD_VERSION);
    otelc_options_free(&opts);
    assert_int_equal(parse(ARGC(help), help, NULL, &opts), OTELC_EXIT_OK);
    assert_int_equal(opts.command, OTELC_CMD_HELP);
    otelc_options_free(&opts);
}

static void test_plugin_dirs_then_env_path(void **state)
{
    char *argv[] = {"otelc", "--plugin-dir", "/opt/a", "--plugin-dir=/opt/b"};
    otelc_options opts;

    assert_int_equal(parse(ARGC(argv), argv, ":/env/one::/env/two:", &opts), OTELC_EXIT_OK);
    assert_int_equal(opts.n_plugin_dirs, 4);
    assert_string_equal(opts.plugin_dirs[0], "/opt/a");
    assert_string_equal(opts.plugin_dirs[1], "/opt/b");
    assert_string_equal(opts.plugin_dirs[2], "/env/one");
    assert_string_equal(opts.plugin_dirs[3], "/env/two");
    otelc_options_free(&opts);
}

static void test_default_config(void **state)
{
    char dir[] = "/tmp/otelc-cli-XXXXXX";
    char cwd[4096];
    char *argv[] = {"otelc"};
    otelc_options opts;
    FILE *f;

    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(parse(ARGC(argv), argv, NULL, &opts), OTELC_EXIT_OK);
    assert_true(opts.config_is_default);
    assert_int_equal(opts.n_config_files, 1);
    assert_string_equal(opts.config_files[0], OTELC_SOURCE_DIR "/pipelines.yaml");
    otelc_options_free(&opts);

    f = fopen("pipelines.yaml", "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(parse(ARGC(argv), argv, NULL, &opts), OTELC_EXIT_OK);
    assert_string_equal(opts.config_files[0], "pipelines.yaml");
    otelc_options_free(&opts);
    assert_int_equal(unlink("pipelines.yaml"), 0);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* Each usage error returns 2, leaves no options and says why. */
static void usage_error(int argc, char **argv, const char *message)
{
    otelc_options opts;

    assert_int_equal(parse(argc, argv, "/env", &opts), OTELC_EXIT_USAGE);
    assert_null(opts.config_files);
    assert_null(opts.plugin_dirs);
    assert_string_equal(err_text, message);
}

static void test_usage_errors(void **state)
{
    char *unknown_option[] = {"otelc", "--config", "a.yaml", "--set", "x=1"};
    char *unknown_command[] = {"otelc", "components2"};
    char *missing_config[] = {"otelc", "validate", "--config"};
    char *empty_config[] = {"otelc", "--config="};
    char *missing_dir[] = {"otelc", "--plugin-dir"};

    usage_error(ARGC(unknown_option), unknown_option,
                "otelc: unknown option '--set'; see otelc --help\n");
    usage_error(ARGC(unknown_command), unknown_command,
                "otelc: unknown command 'components2'; see otelc --help\n");
    usage_error(ARGC(missing_config), missing_config, "otelc: --config needs a file\n");
    usage_error(ARGC(empty_config), empty_config, "otelc: --config needs a file\n");
    usage_error(ARGC(missing_dir), missing_dir, "otelc: --plugin-dir needs a directory\n");
}

static void test_option_prefix_is_not_a_match(void **state)
{
    char *argv[] = {"otelc", "--configs", "a.yaml"};

    usage_error(ARGC(argv), argv, "otelc: unknown option '--configs'; see otelc --help\n");
}

static void test_version_and_help_text(void **state)
{
    char text[4096];
    FILE *out = fmemopen(text, sizeof(text), "w");

    otelc_cli_print_version(out);
    fclose(out);
    assert_string_equal(text, "otelc " OTELC_VERSION "\n");
    out = fmemopen(text, sizeof(text), "w");
    otelc_cli_print_help(out);
    fclose(out);
    assert_non_null(strstr(text, "otelc validate [--config FILE]..."));
    assert_non_null(strstr(text, "  1  the config is invalid or unreadable\n"));
    assert_non_null(strstr(text, "  2  the command line is wrong\n"));
    assert_non_null(strstr(text, "  3  otelc failed to start"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_with_config_files),
        cmocka_unit_test(test_validate_command),
        cmocka_unit_test(test_components_command),
        cmocka_unit_test(test_help_and_version_win),
        cmocka_unit_test(test_plugin_dirs_then_env_path),
        cmocka_unit_test(test_default_config),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_option_prefix_is_not_a_match),
        cmocka_unit_test(test_version_and_help_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
