# The prometheus exporter: names against the collector's translator, and
# the plugin on the SDK's test kit (requests built with protobuf-c, the
# scrape text compared).
set(EXP_PROM_DIR ${CMAKE_CURRENT_LIST_DIR}/../../exporters/prometheus)

if(EXISTS ${EXP_PROM_DIR}/prometheus.c)
  otelc_add_unit_test(test_prometheus_exporter
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_prometheus_exporter.c
            ${EXP_PROM_DIR}/prometheus.c ${EXP_PROM_DIR}/prom_store.c ${EXP_PROM_DIR}/prom_name.c
    LIBS otelc_testkit otelc_sdk otelc_proto m)
  target_include_directories(test_prometheus_exporter PRIVATE ${EXP_PROM_DIR})
endif()
