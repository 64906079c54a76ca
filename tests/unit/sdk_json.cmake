# OTLP/JSON writer and reader of the plugin SDK (sdk/src/otlp_json_*.c).
set(otlp_json_data ${CMAKE_CURRENT_SOURCE_DIR}/data/otlp)
set(otlp_json_bin ${CMAKE_CURRENT_BINARY_DIR}/otlp_corpus)
file(MAKE_DIRECTORY ${otlp_json_bin})

# The corpus is kept as protobuf text format; protoc-c encodes it at build
# time, so no binary file is committed.
file(GLOB otlp_json_txtpb CONFIGURE_DEPENDS ${otlp_json_data}/*.txtpb)
set(otlp_json_binpb)
foreach(txt ${otlp_json_txtpb})
  get_filename_component(stem ${txt} NAME_WE)
  set(bin ${otlp_json_bin}/${stem}.binpb)
  add_custom_command(OUTPUT ${bin}
    COMMAND ${CMAKE_COMMAND} -DPROTOC_C=${PROTOC_C} -DPROTO_DIR=${CMAKE_SOURCE_DIR}/proto
            -DIN=${txt} -DOUT=${bin} -P ${otlp_json_data}/encode_txtpb.cmake
    DEPENDS ${txt} ${otlp_json_data}/encode_txtpb.cmake
    COMMENT "encode ${stem}.txtpb"
    VERBATIM)
  list(APPEND otlp_json_binpb ${bin})
endforeach()
add_custom_target(otlp_json_corpus DEPENDS ${otlp_json_binpb})

otelc_add_unit_test(test_otlp_json_write
  SOURCES unit/test_otlp_json_write.c LIBS otelc_sdk)
otelc_add_unit_test(test_otlp_json_write_fast
  SOURCES unit/test_otlp_json_write_fast.c LIBS otelc_sdk)
otelc_add_unit_test(test_otlp_json_read
  SOURCES unit/test_otlp_json_read.c LIBS otelc_sdk)
otelc_add_unit_test(test_otlp_json_corpus
  SOURCES unit/test_otlp_json_corpus.c LIBS otelc_sdk)
add_dependencies(test_otlp_json_corpus otlp_json_corpus)
target_compile_definitions(test_otlp_json_corpus PRIVATE
  OTLP_CORPUS_BIN_DIR="${otlp_json_bin}")

# Requests made by the OpenTelemetry JS SDK: the script writes them into the
# build tree at test time (a fixture), then the corpus test reads them.
find_program(NODE_EXECUTABLE node)
if(NODE_EXECUTABLE)
  set(otlp_sdk_out ${CMAKE_CURRENT_BINARY_DIR}/otlp_sdk_requests)
  add_test(NAME otlp_json_gen_sdk_requests
    COMMAND ${NODE_EXECUTABLE} ${otlp_json_data}/gen_sdk_requests.js ${otlp_sdk_out})
  set_tests_properties(otlp_json_gen_sdk_requests PROPERTIES
    FIXTURES_SETUP otlp_sdk_requests SKIP_RETURN_CODE 77 LABELS unit)
  add_test(NAME test_otlp_json_sdk
    COMMAND test_otlp_json_corpus --sdk ${otlp_sdk_out})
  set_tests_properties(test_otlp_json_sdk PROPERTIES
    FIXTURES_REQUIRED otlp_sdk_requests SKIP_RETURN_CODE 77 LABELS unit)
else()
  message(STATUS "node not found: the OTLP/JSON test against the JS SDK is left out")
endif()

# Metrics and logs: validation and the OTLP/JSON rules of those signals.
otelc_add_unit_test(test_otlp_signals
  SOURCES unit/test_otlp_signals.c LIBS otelc_sdk)
