/* bench_report.h: one result line per measurement, the same shape for
 * every micro-benchmark so bench/run.mjs can read them:
 *   <name, single spaces>  <value> <unit>  <value> <unit>
 * columns separated by two or more spaces. */
#ifndef OTELC_BENCH_REPORT_H
#define OTELC_BENCH_REPORT_H

/* Prints name with a main figure and, when unit2 is not NULL, a second
 * one, on stdout (flushed). The strings are borrowed for the call and must
 * hold no run of two spaces. Any thread; one line is one printf. */
void bench_report(const char *name, double value, const char *unit, double value2,
                  const char *unit2);

#endif
