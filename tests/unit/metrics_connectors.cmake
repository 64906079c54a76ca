# The connectors that derive metrics from spans (span_metrics,
# service_graph) and the library they share, on the SDK's test kit: the
# emitted OTLP metrics are decoded with protobuf-c and compared exactly.
set(CONN_SM_DIR ${CMAKE_CURRENT_LIST_DIR}/../../connectors/spanmetrics)

if(EXISTS ${CONN_SM_DIR}/spanmetrics.c)
  otelc_add_unit_test(test_spanmetrics_connector
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_spanmetrics_connector.c
            ${CMAKE_CURRENT_LIST_DIR}/metrics_decode.c
            ${CONN_SM_DIR}/spanmetrics.c ${CONN_SM_DIR}/sm_config.c ${CONN_SM_DIR}/sm_aggregate.c
            ${CONN_SM_DIR}/sm_series.c ${CONN_SM_DIR}/sm_build.c ${CONN_SM_DIR}/sm_tracestate.c
    LIBS otelc_testkit otelc_otlpmetrics otelc_sdk otelc_proto)
  target_include_directories(test_spanmetrics_connector PRIVATE ${CONN_SM_DIR})
endif()

otelc_add_unit_test(test_otlpmetrics
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlpmetrics.c ${CMAKE_CURRENT_LIST_DIR}/metrics_decode.c
  LIBS otelc_testkit otelc_otlpmetrics otelc_sdk otelc_proto m)

set(CONN_SG_DIR ${CMAKE_CURRENT_LIST_DIR}/../../connectors/servicegraph)
if(EXISTS ${CONN_SG_DIR}/servicegraph.c)
  otelc_add_unit_test(test_servicegraph_connector
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_servicegraph_connector.c
            ${CMAKE_CURRENT_LIST_DIR}/metrics_decode.c
            ${CONN_SG_DIR}/servicegraph.c ${CONN_SG_DIR}/sg_config.c ${CONN_SG_DIR}/sg_consume.c
            ${CONN_SG_DIR}/sg_store.c ${CONN_SG_DIR}/sg_series.c
    LIBS otelc_testkit otelc_otlpmetrics otelc_sdk otelc_proto)
  target_include_directories(test_servicegraph_connector PRIVATE ${CONN_SG_DIR})
endif()
