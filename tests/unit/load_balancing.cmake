# The load_balancing exporter's pure modules (exporters/load_balancing):
# the consistent-hash ring (the collector's own vectors), cutting a
# request per backend, and the resolvers with an injected lookup. The
# exporter as a whole runs in
# tests/integration/exporter_load_balancing.test.mjs.
set(lb_dir ${PROJECT_SOURCE_DIR}/exporters/load_balancing)

otelc_add_unit_test(test_lb_ring
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lb_ring.c ${lb_dir}/ring.c
  LIBS PkgConfig::ZLIB)
target_include_directories(test_lb_ring PRIVATE ${lb_dir})

otelc_add_unit_test(test_lb_route
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lb_route.c ${lb_dir}/route.c ${lb_dir}/ring.c
  LIBS otelc_testkit PkgConfig::ZLIB)
target_include_directories(test_lb_route PRIVATE ${lb_dir})

otelc_add_unit_test(test_lb_resolver
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lb_resolver.c ${lb_dir}/resolver.c
  LIBS otelc_sdk Threads::Threads)
target_include_directories(test_lb_resolver PRIVATE ${lb_dir})
