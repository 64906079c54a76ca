/*
 * kit_host.h: one SDK test kit host per cmocka test, for unit tests
 * that run a plugin's sources in the kit (otelc/testkit.h).
 */
#ifndef OTELC_TEST_KIT_HOST_H
#define OTELC_TEST_KIT_HOST_H

#include <stdint.h>

#include <otelc/testkit.h>

/* The host of the current test: made by ks_setup, freed by ks_done. */
extern otelc_test_host *h;

/* A cmocka setup: a fresh host. */
int ks_setup(void **unused);
/* Checks the host (every ticket completed at most once, no PENDING emit
 * left open), frees it, and checks that no batch leaked: 0 or -1. */
int ks_done(void);
/* CLOCK_MONOTONIC now plus ms, for deadlines. */
int64_t ks_deadline(int ms);

#endif
