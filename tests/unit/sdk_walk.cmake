# The SDK's OTLP wire walker, validation and span-boundary split. The
# fixture builds reference requests with protobuf-c, the trusted encoder.
foreach(t test_otlp_walk test_otlp_validate test_otlp_split)
  otelc_add_unit_test(${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c
            ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c
            ${CMAKE_CURRENT_LIST_DIR}/otlp_deep_walk.c
    LIBS otelc_sdk otelc_proto)
endforeach()
