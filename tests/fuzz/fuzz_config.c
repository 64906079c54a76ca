/*
 * fuzz_config: the config loader on arbitrary files: YAML through libyaml
 * into the tree, `${env:...}` expansion, merging two files, and the shape
 * checks (service, pipelines, ids, telemetry, units). Every outcome is a
 * config or a list of errors, never a crash, a leak or an error without
 * its position.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

static char path_a[64], path_b[64];

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (len && fwrite(data, 1, len, f) != len)
        abort();
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(path_a, sizeof(path_a), "/tmp/fuzz_config_%d_a.yaml", (int)getpid());
    snprintf(path_b, sizeof(path_b), "/tmp/fuzz_config_%d_b.yaml", (int)getpid());
    setenv("OTELC_FUZZ_PORT", "4317", 1);
    setenv("OTELC_FUZZ_MAP", "{a: 1}", 1);
    unsetenv("OTELC_FUZZ_UNSET");
    return 0;
}

/* Every error line names a place: "FILE:LINE:COL: ..." or a whole file. */
static void check_errors(const otelc_errors *errs)
{
    for (size_t i = 0; i < otelc_errors_count(errs); i++)
        if (!otelc_errors_line(errs, i) || !otelc_errors_line(errs, i)[0])
            abort();
}

/* The input is one file, or two merged when it holds a form feed: the
 * part after it goes over the part before. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *split = memchr(data, '\f', size);
    size_t first = split ? (size_t)(split - data) : size;
    write_file(path_a, data, first);
    const char *files[] = {path_a, path_b};
    size_t n = 1;
    if (split) {
        write_file(path_b, split + 1, size - first - 1);
        n = 2;
    }
    otelc_errors errs;
    otelc_errors_init(&errs);
    otelc_config *cfg = otelc_config_load(files, n, &errs);
    if (!cfg && otelc_errors_count(&errs) == 0)
        abort(); /* refused without saying why */
    check_errors(&errs);
    otelc_config_free(cfg);
    otelc_errors_fini(&errs);
    return 0;
}
