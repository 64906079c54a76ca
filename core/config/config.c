/* Loading a config: parse each file, merge, expand, check; see config.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "config_env.h"
#include "config_merge.h"
#include "config_node_impl.h"
#include "config_shape.h"
#include "config_yaml.h"

/* Keeps a copy of every file name: positions in the tree point at them. */
static int remember_files(otelc_config *cfg, const char *const *files, size_t n_files,
                          otelc_errors *errs)
{
    cfg->files = calloc(n_files, sizeof(*cfg->files));
    if (cfg->files == NULL)
        goto out_of_memory;
    for (; cfg->n_files < n_files; cfg->n_files++) {
        cfg->files[cfg->n_files] = strdup(files[cfg->n_files]);
        if (cfg->files[cfg->n_files] == NULL)
            goto out_of_memory;
    }
    return 0;
out_of_memory:
    otelc_errors_add(errs, "out of memory while loading the config");
    return -1;
}

/* Parses every file (all of them, to report every syntax error) and
 * merges them in order. */
static int parse_and_merge(otelc_config *cfg, otelc_errors *errs)
{
    int rc = 0;

    for (size_t i = 0; i < cfg->n_files; i++) {
        otelc_node *tree = NULL;

        if (otelc_yaml_parse_file(cfg->files[i], errs, &tree) != 0) {
            rc = -1;
            continue;
        }
        cfg->root = otelc_config_merge(cfg->root, tree);
    }
    return rc;
}

otelc_config *otelc_config_load(const char *const *files, size_t n_files, otelc_errors *errs)
{
    size_t first_error = otelc_errors_count(errs);
    otelc_config *cfg = otelc_config_load_all(files, n_files, errs);
    if (cfg != NULL && otelc_errors_count(errs) > first_error) {
        otelc_errors_sort(errs, first_error, cfg->files, cfg->n_files);
        otelc_config_free(cfg);
        return NULL;
    }
    return cfg;
}

otelc_config *otelc_config_load_all(const char *const *files, size_t n_files, otelc_errors *errs)
{
    size_t first_error = otelc_errors_count(errs);
    otelc_config *cfg;
    int expand_rc;

    if (n_files == 0) {
        otelc_errors_add(errs, "no config file given");
        return NULL;
    }
    cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL) {
        otelc_errors_add(errs, "out of memory while loading the config");
        return NULL;
    }
    if (remember_files(cfg, files, n_files, errs) != 0)
        goto out_free_config;
    if (parse_and_merge(cfg, errs) != 0)
        goto out_free_config;
    /* Expanding after the merge warns only about values that are used.
     * The shape is checked even when expansion failed, to show all. */
    expand_rc = otelc_env_expand_tree(cfg->root, errs);
    if (otelc_config_check_shape(cfg, errs) != 0 || expand_rc != 0) {
        /* What was understood still goes to the plugin checks, so that
         * one run names every problem; a root that is not a map is not
         * worth more. */
        if (otelc_node_kind_of(cfg->root) != OTELC_NODE_MAP)
            goto out_free_config;
    }
    return cfg;
out_free_config:
    /* Before the tree goes: sorting compares the file names it owns. */
    otelc_errors_sort(errs, first_error, cfg->files, cfg->n_files);
    otelc_config_free(cfg);
    return NULL;
}

void otelc_config_free(otelc_config *cfg)
{
    if (cfg == NULL)
        return;
    otelc_config_free_model(cfg);
    otelc_node_free(cfg->root);
    for (size_t i = 0; i < cfg->n_files; i++)
        free(cfg->files[i]);
    free(cfg->files);
    free(cfg);
}

const otelc_node *otelc_config_section(const otelc_config *cfg, const char *section)
{
    return otelc_node_child(cfg->root, section);
}
