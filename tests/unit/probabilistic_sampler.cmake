# The probabilistic_sampler processor: its thresholds, tracestate and
# decisions against the collector's test tables, and the plugin on the
# SDK's test kit (requests built and read back with protobuf-c).
set(PROC_PS_DIR ${CMAKE_CURRENT_LIST_DIR}/../../processors/probabilistic_sampler)

if(EXISTS ${PROC_PS_DIR}/probabilistic_sampler.c)
  otelc_add_unit_test(test_probabilistic_sampler
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_probabilistic_sampler.c
            ${CMAKE_CURRENT_LIST_DIR}/test_attraction_util.c
            ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c
            ${CMAKE_CURRENT_LIST_DIR}/signal_fixture.c
            ${PROC_PS_DIR}/probabilistic_sampler.c ${PROC_PS_DIR}/ps_config.c
            ${PROC_PS_DIR}/ps_logs.c ${PROC_PS_DIR}/decide.c ${PROC_PS_DIR}/tracestate.c
            ${PROC_PS_DIR}/threshold.c
    LIBS otelc_testkit otelc_sdk otelc_attraction otelc_proto m)
  target_include_directories(test_probabilistic_sampler PRIVATE ${PROC_PS_DIR})
endif()
