# libs/attraction and the processors built on it: the attributes and
# resource processors run through the SDK's test kit, their output decoded
# with protobuf-c.
set(PROC_ATTR_DIR ${CMAKE_CURRENT_LIST_DIR}/../../processors/attributes)
set(PROC_RES_DIR ${CMAKE_CURRENT_LIST_DIR}/../../processors/resource)

otelc_add_unit_test(test_attraction_value
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_attraction_value.c
  LIBS otelc_attraction)

if(EXISTS ${PROC_ATTR_DIR}/attributes.c)
  otelc_add_unit_test(test_attributes_processor
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_attributes_processor.c
            ${CMAKE_CURRENT_LIST_DIR}/test_attraction_util.c
            ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c ${CMAKE_CURRENT_LIST_DIR}/signal_fixture.c
            ${PROC_ATTR_DIR}/attributes.c
    LIBS otelc_attraction otelc_testkit otelc_proto)
endif()

if(EXISTS ${PROC_RES_DIR}/resource.c)
  otelc_add_unit_test(test_resource_processor
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_resource_processor.c
            ${CMAKE_CURRENT_LIST_DIR}/test_attraction_util.c
            ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c ${CMAKE_CURRENT_LIST_DIR}/signal_fixture.c
            ${PROC_RES_DIR}/resource.c
    LIBS otelc_attraction otelc_testkit otelc_proto)
endif()
