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
  LIBS otelc_sdk otelc_proto otelc_parquet PkgConfig::ZLIB PkgConfig::ISAL PkgConfig::ZSTD)

# The query API's pieces: the LMDB span index, summaries, object decoding,
# listings, parameters, traces re-framed, Jaeger JSON, the object cache.
set(awss3_index_sources index.c index_add.c index_group.c index_prune.c index_read.c)
awss3_unit_test(test_awss3_index
  SOURCES ${awss3_index_sources} LIBS PkgConfig::LMDB PkgConfig::OPENSSL)
set(fixture ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c ${CMAKE_CURRENT_LIST_DIR}/otlp_deep_walk.c)
awss3_unit_test(test_awss3_ixwriter
  SOURCES ${awss3_index_sources} ixwriter.c summary.c
  EXTRA ${fixture} LIBS otelc_sdk otelc_proto PkgConfig::LMDB PkgConfig::OPENSSL Threads::Threads)
awss3_unit_test(test_awss3_summary SOURCES summary.c EXTRA ${fixture} LIBS otelc_sdk otelc_proto)
awss3_unit_test(test_awss3_tracebuild SOURCES tracebuild.c EXTRA ${fixture} LIBS otelc_sdk otelc_proto)
awss3_unit_test(test_awss3_jaeger
  SOURCES jaeger.c jsonw.c qout.c EXTRA ${fixture} LIBS otelc_sdk otelc_proto PkgConfig::JANSSON m)
awss3_unit_test(test_awss3_objdecode
  SOURCES objdecode.c encode.c
  EXTRA ${fixture}
  LIBS otelc_sdk otelc_proto otelc_parquet PkgConfig::ZLIB PkgConfig::ISAL PkgConfig::ZSTD)
awss3_unit_test(test_awss3_qparams SOURCES qparams.c timeparse.c LIBS PkgConfig::JANSSON)
awss3_unit_test(test_awss3_objcache SOURCES objcache.c LIBS Threads::Threads)
