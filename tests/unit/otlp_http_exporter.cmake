# The otlp_http exporter's pure modules (exporters/otlp_http): what an
# answer means, and the settings derived from its keys. The exporter as a
# whole runs in tests/integration/exporter_otlp_http.test.mjs.
set(otlp_http_dir ${PROJECT_SOURCE_DIR}/exporters/otlp_http)

otelc_add_unit_test(test_otlp_http_answer
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_http_answer.c ${otlp_http_dir}/answer.c
  LIBS otelc_plugin_api otelc_sdk PkgConfig::JANSSON)
target_include_directories(test_otlp_http_answer PRIVATE ${otlp_http_dir})

otelc_add_unit_test(test_otlp_http_settings
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_http_settings.c ${otlp_http_dir}/config.c
  LIBS otelc_plugin_api PkgConfig::CURL)
target_include_directories(test_otlp_http_settings PRIVATE ${otlp_http_dir})

# Its auth.authenticator side: the service found through the test kit's
# offered services, and the order of an attempt's headers.
otelc_add_unit_test(test_otlp_http_auth
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_http_auth.c ${otlp_http_dir}/auth.c
          ${otlp_http_dir}/headers.c
  LIBS otelc_testkit otelc_s3 PkgConfig::CURL PkgConfig::LIBEVENT)
target_include_directories(test_otlp_http_auth PRIVATE ${otlp_http_dir})
