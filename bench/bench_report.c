#include "bench_report.h"

#include <stdio.h>

void bench_report(const char *name, double value, const char *unit, double value2,
                  const char *unit2)
{
    printf("%-40s  %14.1f %-10s", name, value, unit);
    if (unit2)
        printf("  %12.1f %s", value2, unit2);
    putchar('\n');
    fflush(stdout);
}
