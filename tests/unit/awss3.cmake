# The awss3 exporter's modules (exporters/awss3), each tested alone; the
# exporter as a whole runs in the integration tests against s3rver.
set(awss3_dir ${PROJECT_SOURCE_DIR}/exporters/awss3)

function(awss3_unit_test name)
  cmake_parse_arguments(A "" "" "SOURCES;EXTRA;LIBS" ${ARGN})
  list(TRANSFORM A_SOURCES PREPEND ${awss3_dir}/)
  otelc_add_unit_test(${name}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${name}.c ${A_SOURCES} ${A_EXTRA}
    LIBS otelc_plugin_api otelc_s3 ${A_LIBS})
  target_include_directories(${name} PRIVATE ${awss3_dir})
endfunction()

awss3_unit_test(test_awss3_objkey SOURCES objkey.c)
awss3_unit_test(test_awss3_config SOURCES config.c)
awss3_unit_test(test_awss3_payload
  SOURCES payload.c encode.c objkey.c config.c
  LIBS otelc_sdk otelc_proto otelc_parquet otelc_otlpenc PkgConfig::ZLIB)
