# The otlp receiver's pure parts: gRPC message framing, decompression
# with a size limit, status and header rules, endpoints and config checks,
# and the OTLP/HTTP exchange with its answers.
set(OTLP_RECV_DIR ${CMAKE_CURRENT_LIST_DIR}/../../receivers/otlp)
if(EXISTS ${OTLP_RECV_DIR}/grpc_frame.c)
  otelc_add_unit_test(test_otlp_grpc_frame
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_grpc_frame.c ${OTLP_RECV_DIR}/grpc_frame.c)
  otelc_add_unit_test(test_otlp_grpc_inflate
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_grpc_inflate.c ${OTLP_RECV_DIR}/grpc_inflate.c
    LIBS PkgConfig::ZLIB PkgConfig::ZSTD)
  otelc_add_unit_test(test_otlp_grpc_status
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_grpc_status.c ${OTLP_RECV_DIR}/grpc_status.c
    LIBS otelc_plugin_api)
  otelc_add_unit_test(test_otlp_recv_config
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_recv_config.c ${OTLP_RECV_DIR}/otlp_config.c
            ${OTLP_RECV_DIR}/otlp_config_http.c ${OTLP_RECV_DIR}/endpoint.c
            ${OTLP_RECV_DIR}/metadata.c
    LIBS otelc_plugin_api)
  otelc_add_unit_test(test_otlp_http_config
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_http_config.c ${OTLP_RECV_DIR}/otlp_config.c
            ${OTLP_RECV_DIR}/otlp_config_http.c ${OTLP_RECV_DIR}/endpoint.c
            ${OTLP_RECV_DIR}/metadata.c
    LIBS otelc_plugin_api)
  otelc_add_unit_test(test_otlp_http_xchg
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_otlp_http_xchg.c ${OTLP_RECV_DIR}/http_xchg.c
            ${OTLP_RECV_DIR}/http_answer.c ${OTLP_RECV_DIR}/grpc_inflate.c
    LIBS otelc_sdk otelc_proto PkgConfig::JANSSON PkgConfig::ZLIB PkgConfig::ZSTD)
  foreach(t test_otlp_grpc_frame test_otlp_grpc_inflate test_otlp_grpc_status
            test_otlp_recv_config test_otlp_http_config test_otlp_http_xchg)
    target_include_directories(${t} PRIVATE ${OTLP_RECV_DIR})
  endforeach()
endif()
