# Generated OTLP, google.rpc and Tempo protobuf-c code: round trips and
# wire bytes.
otelc_add_unit_test(test_proto
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_proto.c
  LIBS otelc_proto)
