# The otlp_grpc exporter's pure modules (libs/grpcclient): what an
# answer means (trailers, RetryInfo, partial success), the framed body,
# the settings derived from its keys, and auth.authenticator. The exporter
# as a whole runs in
# tests/integration/exporter_otlp_grpc.test.mjs.
set(otlp_grpc_exp_dir ${PROJECT_SOURCE_DIR}/libs/grpcclient)

otelc_add_unit_test(test_otlp_grpc_exporter_answer
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_grpc_exporter_answer.c
          ${otlp_grpc_exp_dir}/answer.c ${otlp_grpc_exp_dir}/inflate.c
  LIBS otelc_plugin_api otelc_sdk PkgConfig::ZLIB PkgConfig::ZSTD)
target_include_directories(test_otlp_grpc_exporter_answer PRIVATE ${otlp_grpc_exp_dir})

otelc_add_unit_test(test_otlp_grpc_exporter_frame
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_grpc_exporter_frame.c
          ${otlp_grpc_exp_dir}/encode.c ${otlp_grpc_exp_dir}/inflate.c
  LIBS otelc_testkit otelc_otlpenc PkgConfig::ZLIB PkgConfig::ZSTD)
target_include_directories(test_otlp_grpc_exporter_frame PRIVATE ${otlp_grpc_exp_dir})

otelc_add_unit_test(test_otlp_grpc_exporter_settings
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_grpc_exporter_settings.c
          ${otlp_grpc_exp_dir}/config.c ${otlp_grpc_exp_dir}/headers.c
  LIBS otelc_plugin_api PkgConfig::OPENSSL)
target_include_directories(test_otlp_grpc_exporter_settings PRIVATE ${otlp_grpc_exp_dir})

# Its auth.authenticator side: the service found through the test kit's
# offered services, and the order of an attempt's header fields.
otelc_add_unit_test(test_otlp_grpc_exporter_auth
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_grpc_exporter_auth.c
          ${otlp_grpc_exp_dir}/auth.c ${otlp_grpc_exp_dir}/headers.c
  LIBS otelc_testkit PkgConfig::NGHTTP2 PkgConfig::LIBEVENT)
target_include_directories(test_otlp_grpc_exporter_auth PRIVATE ${otlp_grpc_exp_dir})
