# The tail_sampling processor on the SDK's test kit: every policy type's
# verdicts, the final-decision rule, config errors, the cut per trace;
# and the durable path (acknowledged once committed, restart over the same
# storage, num_traces, late spans, downstream refusals).
set(PROC_TS_DIR ${CMAKE_CURRENT_LIST_DIR}/../../processors/tail_sampling)

if(EXISTS ${PROC_TS_DIR}/tail_sampling.c)
  set(TS_SOURCES
    ${PROC_TS_DIR}/tail_sampling.c ${PROC_TS_DIR}/ts_config.c ${PROC_TS_DIR}/consume.c
    ${PROC_TS_DIR}/decide.c ${PROC_TS_DIR}/sender.c ${PROC_TS_DIR}/store.c
    ${PROC_TS_DIR}/ts_metrics.c ${PROC_TS_DIR}/table.c ${PROC_TS_DIR}/group.c
    ${PROC_TS_DIR}/lru.c ${PROC_TS_DIR}/tracestate.c ${PROC_TS_DIR}/policy_config.c
    ${PROC_TS_DIR}/policy_leaf.c ${PROC_TS_DIR}/policy_eval.c ${PROC_TS_DIR}/policy_attr.c
    ${PROC_TS_DIR}/policy_combine.c ${PROC_TS_DIR}/policy_ottl.c
    ${CMAKE_CURRENT_LIST_DIR}/ts_test_util.c ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c)
  foreach(t test_tail_sampling_policies test_tail_sampling)
    if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
      otelc_add_unit_test(${t}
        SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c ${TS_SOURCES}
        LIBS otelc_testkit otelc_ottl otelc_attraction otelc_sdk otelc_proto Threads::Threads m)
      target_include_directories(${t} PRIVATE ${PROC_TS_DIR})
    endif()
  endforeach()
endif()
