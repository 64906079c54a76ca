# The batch and converter processors: their sources compiled into test
# binaries run in the SDK's test kit (otelc/testkit.h).
set(PROC_BATCH_DIR ${CMAKE_CURRENT_LIST_DIR}/../../processors/batch)
set(PROC_CONV_DIR ${CMAKE_CURRENT_LIST_DIR}/../../processors/converter)
set(PROC_ML_DIR ${CMAKE_CURRENT_LIST_DIR}/../../processors/memory_limiter)

otelc_add_unit_test(test_memory_limiter
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_memory_limiter.c ${PROC_ML_DIR}/ml_config.c
  LIBS otelc_plugin_api)
target_include_directories(test_memory_limiter PRIVATE ${PROC_ML_DIR})

if(EXISTS ${PROC_BATCH_DIR}/batch_proc.c)
  otelc_add_unit_test(test_batch_processor
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_batch_processor.c
            ${CMAKE_CURRENT_LIST_DIR}/kit_host.c ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c
            ${PROC_BATCH_DIR}/batch_proc.c ${PROC_BATCH_DIR}/batch_config.c
            ${PROC_BATCH_DIR}/meta.c ${PROC_BATCH_DIR}/split.c
            ${PROC_BATCH_DIR}/split_metrics.c ${CMAKE_CURRENT_LIST_DIR}/signal_fixture.c
    LIBS otelc_testkit otelc_proto)
  target_include_directories(test_batch_processor PRIVATE ${PROC_BATCH_DIR})
endif()

if(EXISTS ${PROC_CONV_DIR}/converter.c)
  set(CONV_LIB_SOURCES
    ${PROC_CONV_DIR}/conv_config.c ${PROC_CONV_DIR}/conv_rules.c
    ${PROC_CONV_DIR}/conv_semconv.c ${PROC_CONV_DIR}/conv_detect.c
    ${PROC_CONV_DIR}/conv_work.c ${PROC_CONV_DIR}/conv_rewrite.c
    ${PROC_CONV_DIR}/conv_rename.c ${PROC_CONV_DIR}/conv_resource.c
    ${PROC_CONV_DIR}/conv_coerce.c ${PROC_CONV_DIR}/conv_limits.c)
  otelc_add_unit_test(test_converter_rules
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_converter_rules.c
            ${CMAKE_CURRENT_LIST_DIR}/test_converter_util.c
            ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c ${CONV_LIB_SOURCES}
    LIBS otelc_sdk otelc_proto m)
  target_include_directories(test_converter_rules PRIVATE ${PROC_CONV_DIR})

  # The plugin in the test kit; malloc, calloc and realloc are wrapped so
  # the test can count allocations on the pass-through path.
  otelc_add_unit_test(test_converter_plugin
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_converter_plugin.c
            ${CMAKE_CURRENT_LIST_DIR}/test_converter_util.c
            ${CMAKE_CURRENT_LIST_DIR}/kit_host.c ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c
            ${PROC_CONV_DIR}/converter.c ${CONV_LIB_SOURCES}
    LIBS otelc_testkit otelc_proto m)
  target_include_directories(test_converter_plugin PRIVATE ${PROC_CONV_DIR})
  target_link_options(test_converter_plugin PRIVATE
    -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc)

  # Spans from the real OpenTelemetry JS SDK with deprecated attribute
  # names: a node script writes the request at test time (a fixture).
  find_program(OTELC_TEST_NODE node)
  otelc_add_unit_test(test_converter_sdk
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_converter_sdk.c
            ${CMAKE_CURRENT_LIST_DIR}/test_converter_util.c
            ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c ${CONV_LIB_SOURCES}
    LIBS otelc_sdk otelc_proto m)
  target_include_directories(test_converter_sdk PRIVATE ${PROC_CONV_DIR})
  if(OTELC_TEST_NODE)
    set(conv_sdk_request ${CMAKE_CURRENT_BINARY_DIR}/converter_sdk_request.binpb)
    add_test(NAME test_converter_sdk_spans
      COMMAND ${OTELC_TEST_NODE} ${CMAKE_CURRENT_LIST_DIR}/test_converter_sdk_spans.mjs
              ${conv_sdk_request})
    set_tests_properties(test_converter_sdk_spans PROPERTIES
      LABELS unit FIXTURES_SETUP converter_sdk
      ENVIRONMENT "NODE_PATH=${CMAKE_SOURCE_DIR}/node_modules")
    set_tests_properties(test_converter_sdk PROPERTIES
      FIXTURES_REQUIRED converter_sdk
      ENVIRONMENT "CONV_SDK_REQUEST=${conv_sdk_request}")
  endif()
endif()

otelc_add_unit_test(test_memory_limiter_plugin
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_memory_limiter_plugin.c ${PROC_ML_DIR}/memory_limiter.c
          ${PROC_ML_DIR}/ml_config.c
  LIBS otelc_testkit)
target_include_directories(test_memory_limiter_plugin PRIVATE ${PROC_ML_DIR})
