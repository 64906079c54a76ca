# The SDK's OTLP editor (sdk/src/otlp_edit*.c). Outputs are checked against
# the fixture requests changed through protobuf-c, the trusted encoder.
otelc_add_unit_test(test_otlp_edit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_edit.c
          ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c
          ${CMAKE_CURRENT_LIST_DIR}/otlp_deep_walk.c
  LIBS otelc_sdk otelc_proto)
# The walker and the editor on metrics and logs requests.
otelc_add_unit_test(test_otlp_edit_signals
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_edit_signals.c
          ${CMAKE_CURRENT_LIST_DIR}/signal_fixture.c
          ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c
          ${CMAKE_CURRENT_LIST_DIR}/otlp_deep_walk.c
  LIBS otelc_sdk otelc_proto)
