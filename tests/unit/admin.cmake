# The admin server, the metrics registry and the health model. The admin
# tests speak HTTP to real sockets on 127.0.0.1 with libcurl.
otelc_add_unit_test(test_metrics
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_metrics.c
  LIBS otelc_core PkgConfig::JANSSON)
otelc_add_unit_test(test_health
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_health.c
  LIBS otelc_core PkgConfig::JANSSON)
otelc_add_unit_test(test_admin
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_admin.c
  LIBS otelc_core PkgConfig::JANSSON PkgConfig::CURL)
# TLS and authenticators on admin listeners, over real sockets.
otelc_add_unit_test(test_admin_guard
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_admin_guard.c
  LIBS otelc_core PkgConfig::CURL PkgConfig::OPENSSL)
