/* A shared object without the entry symbol: not an otelc plugin. */
#include <otelc/plugin.h>

__attribute__((visibility("default"))) int not_a_plugin(void);
__attribute__((visibility("default"))) int not_a_plugin(void)
{
    return 42;
}
