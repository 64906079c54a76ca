/* bench_report.c: the result line every micro-benchmark prints. */
#include "bench_report.h"

#include <stdio.h>

void bench_report(const char *name, double value, const char *unit, double value2,
                  const char *unit2)
{
    if (unit2)
        printf("%-40s  %14.1f %-10s  %12.1f %s\n", name, value, unit, value2, unit2);
    else
        printf("%-40s  %14.1f %s\n", name, value, unit);
    fflush(stdout);
}
