# The trace_query extension's pure pieces (extensions/trace_query), each
# tested alone; the extension as a whole runs in the integration tests
# against s3rver and files the awss3 exporter wrote.
set(tq_dir ${PROJECT_SOURCE_DIR}/extensions/trace_query)

function(tq_unit_test name)
  cmake_parse_arguments(A "" "" "SOURCES;EXTRA;LIBS" ${ARGN})
  list(TRANSFORM A_SOURCES PREPEND ${tq_dir}/)
  otelc_add_unit_test(${name}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${name}.c ${A_SOURCES} ${A_EXTRA}
    LIBS otelc_plugin_api otelc_s3 ${A_LIBS})
  target_include_directories(${name} PRIVATE ${tq_dir})
endfunction()

set(fixture ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c ${CMAKE_CURRENT_LIST_DIR}/otlp_deep_walk.c)
tq_unit_test(test_tq_tracebuild SOURCES tracebuild.c EXTRA ${fixture} LIBS otelc_sdk otelc_proto)
tq_unit_test(test_tq_jaeger
  SOURCES jaeger.c jsonw.c qout.c EXTRA ${fixture} LIBS otelc_sdk otelc_proto PkgConfig::JANSSON m)
tq_unit_test(test_tq_qparams SOURCES qparams.c timeparse.c LIBS PkgConfig::JANSSON)
tq_unit_test(test_tq_config SOURCES tq_config.c tq_compact_plan.c LIBS otelc_parquet)
tq_unit_test(test_tq_table SOURCES tracebuild.c tq_compact_plan.c LIBS otelc_parquet otelc_sdk otelc_proto)
