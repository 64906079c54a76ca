# The awss3 exporter's modules (exporters/awss3), each tested alone; the
# exporter as a whole runs in the integration tests against s3rver.
set(awss3_dir ${PROJECT_SOURCE_DIR}/exporters/awss3)

function(awss3_unit_test name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  list(TRANSFORM A_SOURCES PREPEND ${awss3_dir}/)
  otelc_add_unit_test(${name}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${name}.c ${A_SOURCES}
    LIBS otelc_plugin_api ${A_LIBS})
  target_include_directories(${name} PRIVATE ${awss3_dir})
endfunction()

awss3_unit_test(test_awss3_objkey SOURCES objkey.c)
awss3_unit_test(test_awss3_s3error SOURCES s3error.c s3xml.c)
awss3_unit_test(test_awss3_creds SOURCES creds.c creds_file.c)
awss3_unit_test(test_awss3_multipart SOURCES multipart.c body.c)
awss3_unit_test(test_awss3_config
  SOURCES config.c endpoint.c sigv4.c LIBS PkgConfig::OPENSSL)
awss3_unit_test(test_awss3_payload
  SOURCES payload.c encode.c body.c multipart.c objkey.c config.c endpoint.c sigv4.c
  LIBS otelc_sdk otelc_proto PkgConfig::OPENSSL PkgConfig::ZLIB PkgConfig::ZSTD)
