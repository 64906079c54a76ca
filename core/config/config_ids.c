/* Component id syntax; see config_ids.h. */
#include "config_ids.h"

#include <stdbool.h>
#include <string.h>

#include "config.h"

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_type_char(char c)
{
    return is_letter(c) || (c >= '0' && c <= '9') || c == '_';
}

static bool is_name_char(unsigned char c)
{
    return c > ' ' && c != 0x7f && c != '/';
}

const char *otelc_component_id_parse(const char *id, char *type, size_t type_cap,
                                     const char **name)
{
    size_t len = 0;

    if (!is_letter(id[0]))
        return "a type starts with a letter";
    while (is_type_char(id[len]))
        len++;
    if (len > OTELC_COMPONENT_TYPE_MAX)
        return "a type is at most 63 characters";
    if (id[len] != '\0' && id[len] != '/')
        return "a type holds only letters, digits and '_'";
    if (id[len] == '/') {
        const char *n = id + len + 1;

        if (*n == '\0')
            return "the name after '/' is empty";
        for (const char *p = n; *p != '\0'; p++) {
            if (!is_name_char((unsigned char)*p))
                return "a name holds no whitespace, control character or '/'";
        }
        *name = n;
    } else {
        *name = NULL;
    }
    if (len >= type_cap)
        return "a type is at most 63 characters";
    memcpy(type, id, len);
    type[len] = '\0';
    return NULL;
}
