# The example client's pure parts: trace generator, gRPC framing and
# status mapping, statistics, command line.
if(TARGET otelc_client_core)
  foreach(part generator grpc stats options)
    otelc_add_unit_test(test_client_${part}
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_client_${part}.c
      LIBS otelc_client_core)
  endforeach()
  # The receivers' validator must accept what the client sends.
  if(TARGET otelc_sdk AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/../../sdk/src/otlp_validate.c)
    target_link_libraries(test_client_generator PRIVATE otelc_sdk)
    target_compile_definitions(test_client_generator PRIVATE HAVE_OTLP_VALIDATE)
  endif()
endif()
