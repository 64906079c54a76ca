/* retry.c: back-off intervals; pure arithmetic, no clocks of its own. */
#include "retry.h"

void retry_cfg_defaults(retry_cfg *cfg)
{
    cfg->enabled = true;
    cfg->initial_interval = 5000000000LL;
    cfg->randomization_factor = 0.5;
    cfg->multiplier = 1.5;
    cfg->max_interval = 30000000000LL;
    cfg->max_elapsed_time = 300000000000LL;
}

void retry_begin(retry_state *st, const retry_cfg *cfg, int64_t now_ns)
{
    st->started_ns = now_ns;
    st->interval_ns = cfg->initial_interval;
}

/* xorshift64*: cheap jitter, good enough to spread retries apart. */
static double next_unit(uint64_t *seed)
{
    uint64_t x = *seed ? *seed : 0x9e3779b97f4a7c15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *seed = x;
    return (double)((x * 0x2545f4914f6cdd1dull) >> 11) / (double)(1ull << 53);
}

int64_t retry_next(retry_state *st, const retry_cfg *cfg, int64_t now_ns, uint64_t *seed)
{
    if (!cfg->enabled)
        return -1;
    double base = (double)st->interval_ns;
    double delta = cfg->randomization_factor * base;
    double wait = base - delta + next_unit(seed) * 2.0 * delta;
    if (wait < 0)
        wait = 0;
    double grown = base * cfg->multiplier;
    st->interval_ns = grown > (double)cfg->max_interval ? cfg->max_interval : (int64_t)grown;
    if (cfg->max_elapsed_time > 0 &&
        now_ns + (int64_t)wait - st->started_ns > cfg->max_elapsed_time)
        return -1;
    return (int64_t)wait;
}
