/* service.pipelines and the lists of component ids they hold. */
#include <stdlib.h>
#include <string.h>

#include "config_ids.h"
#include "config_shape.h"
#include "config_value.h"

/* Fills `ref` from one list item; returns 0, or -1 with an error
 * recorded. */
static int resolve_item(const otelc_node *section, const otelc_node *connectors,
                        const char *section_key, const char *what, const otelc_node *item,
                        otelc_component_ref *ref, otelc_errors *errs)
{
    const char *id = otelc_node_text(item);
    const char *why;

    if (id == NULL) {
        otelc_cfg_wrong_type(errs, item, "a component id");
        return -1;
    }
    why = otelc_component_id_parse(id, ref->type, sizeof(ref->type), &ref->name);
    if (why != NULL) {
        otelc_errors_add_value(errs, item, "invalid component id '%s': %s", id, why);
        return -1;
    }
    ref->id = id;
    ref->ref = item;
    ref->config = otelc_node_child(section, id);
    if (ref->config == NULL && connectors != NULL) {
        ref->config = otelc_node_child(connectors, id);
        ref->connector = ref->config != NULL;
    }
    if (ref->config == NULL) {
        otelc_errors_add_value(errs, item, "%s '%s' is not defined in %s", what, id,
                               section_key);
        return -1;
    }
    return 0;
}

static bool listed_before(const otelc_component_list *list, const char *id)
{
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->items[i].id, id) == 0)
            return true;
    }
    return false;
}

int otelc_config_resolve_list(const otelc_config *cfg, const otelc_node *list,
                              const char *section_key, const char *what,
                              otelc_component_list *out, otelc_errors *errs)
{
    const otelc_node *section = otelc_node_child(cfg->root, section_key);
    /* A pipeline's receivers and exporters may be connectors: ids of the
     * connectors section, as the collector has it. */
    bool may_connect = strcmp(section_key, "receivers") == 0 ||
                       strcmp(section_key, "exporters") == 0;
    const otelc_node *connectors = may_connect ? otelc_node_child(cfg->root, "connectors") : NULL;
    int rc = 0;

    out->items = NULL;
    out->count = 0;
    if (otelc_cfg_list(list, errs) != OTELC_CFG_OK)
        return otelc_node_kind_of(list) == OTELC_NODE_NULL ? 0 : -1;
    out->items = calloc(otelc_node_count(list), sizeof(*out->items));
    if (out->items == NULL) {
        otelc_errors_add_value(errs, list, "out of memory");
        return -1;
    }
    for (const otelc_node *c = otelc_node_first(list); c != NULL; c = otelc_node_next(c)) {
        otelc_component_ref *ref = &out->items[out->count];

        if (resolve_item(section, connectors, section_key, what, c, ref, errs) != 0) {
            rc = -1;
        } else if (listed_before(out, ref->id)) {
            otelc_errors_add_value(errs, c, "%s '%s' is listed twice", what, ref->id);
            rc = -1;
        } else {
            out->count++;
        }
    }
    return rc;
}

/* The pipeline's key: traces or traces/name. */
static int check_pipeline_id(const otelc_node *p, otelc_pipeline *out, otelc_errors *errs)
{
    char type[OTELC_COMPONENT_TYPE_MAX + 1];
    const char *id = otelc_node_key(p);
    const char *why = otelc_component_id_parse(id, type, sizeof(type), &out->name);

    out->id = id; /* set even when wrong: the plugin checks still look in */
    out->node = p;
    if (why != NULL) {
        otelc_errors_add_key(errs, p, "invalid pipeline id '%s': %s", id, why);
        return -1;
    }
    static const struct {
        const char *name;
        otelc_signal signal;
    } signals[] = {{"traces", OTELC_TRACES}, {"metrics", OTELC_METRICS}, {"logs", OTELC_LOGS}};
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]) && !out->signal; i++)
        if (strcmp(type, signals[i].name) == 0)
            out->signal = signals[i].signal;
    if (!out->signal) {
        otelc_errors_add_key(errs, p, "unknown signal '%s'; pipelines are traces, metrics or "
                             "logs, each optionally /name", type);
        return -1;
    }
    return 0;
}

/* Absent, empty or `[]`; a value of the wrong kind was reported already. */
static bool is_empty_list(const otelc_node *list)
{
    otelc_node_kind kind = otelc_node_kind_of(list);

    return kind == OTELC_NODE_NULL || (kind == OTELC_NODE_LIST && otelc_node_count(list) == 0);
}

static void check_pipeline(otelc_config *cfg, const otelc_node *p, otelc_pipeline *out,
                           otelc_errors *errs)
{
    static const char *const keys[] = {"receivers", "processors", "exporters", NULL};

    if (check_pipeline_id(p, out, errs) != 0 || otelc_cfg_map(p, errs) == OTELC_CFG_ERROR)
        return;
    otelc_cfg_check_keys(p, keys, errs);
    otelc_config_resolve_list(cfg, otelc_node_child(p, "receivers"), "receivers", "receiver",
                              &out->receivers, errs);
    otelc_config_resolve_list(cfg, otelc_node_child(p, "processors"), "processors",
                              "processor", &out->processors, errs);
    otelc_config_resolve_list(cfg, otelc_node_child(p, "exporters"), "exporters", "exporter",
                              &out->exporters, errs);
    if (is_empty_list(otelc_node_child(p, "receivers")))
        otelc_errors_add_key(errs, p, "a pipeline needs at least one receiver");
    if (is_empty_list(otelc_node_child(p, "exporters")))
        otelc_errors_add_key(errs, p, "a pipeline needs at least one exporter");
}

void otelc_config_check_pipelines(otelc_config *cfg, const otelc_node *service,
                                  const otelc_node *pipelines, otelc_errors *errs)
{
    if (otelc_cfg_map(pipelines, errs) == OTELC_CFG_ERROR)
        return;
    if (otelc_node_count(pipelines) == 0) {
        /* Extensions alone are a node of their own (a query node). */
        if (otelc_node_count(otelc_node_child(service, "extensions")) == 0)
            otelc_errors_add_key(errs, pipelines != NULL ? pipelines : service,
                                 "no pipeline defined; otelc needs at least one pipeline "
                                 "(or service.extensions to run alone)");
        return;
    }
    cfg->pipelines = calloc(otelc_node_count(pipelines), sizeof(*cfg->pipelines));
    if (cfg->pipelines == NULL) {
        otelc_errors_add_value(errs, pipelines, "out of memory");
        return;
    }
    for (const otelc_node *p = otelc_node_first(pipelines); p != NULL; p = otelc_node_next(p))
        check_pipeline(cfg, p, &cfg->pipelines[cfg->n_pipelines++], errs);
}
