# libs/ottl: the language on known spans (statements and conditions
# modelled on the collector's documentation), parse errors with their
# positions, and the filter and transform processors on the SDK's test kit.
set(OTTL_TEST_UTIL ${CMAKE_CURRENT_LIST_DIR}/test_ottl_util.c)

otelc_add_unit_test(test_ottl_eval
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ottl_eval.c ${OTTL_TEST_UTIL}
  LIBS otelc_ottl PkgConfig::JANSSON)

# Steady-state evaluation counted with malloc, calloc and realloc wrapped.
otelc_add_unit_test(test_ottl_alloc
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ottl_alloc.c ${OTTL_TEST_UTIL}
  LIBS otelc_ottl PkgConfig::JANSSON)
target_link_options(test_ottl_alloc PRIVATE
  -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc)

otelc_add_unit_test(test_ottl_parse
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ottl_parse.c
  LIBS otelc_ottl)

set(PROC_FILTER_DIR ${CMAKE_CURRENT_LIST_DIR}/../../processors/filter)
if(EXISTS ${PROC_FILTER_DIR}/filter.c)
  otelc_add_unit_test(test_filter_processor
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_filter_processor.c ${OTTL_TEST_UTIL}
            ${PROC_FILTER_DIR}/filter.c ${PROC_FILTER_DIR}/filter_config.c
    LIBS otelc_ottl otelc_attraction otelc_testkit PkgConfig::JANSSON)
endif()

set(PROC_TRANSFORM_DIR ${CMAKE_CURRENT_LIST_DIR}/../../processors/transform)
if(EXISTS ${PROC_TRANSFORM_DIR}/transform.c)
  otelc_add_unit_test(test_transform_processor
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_transform_processor.c ${OTTL_TEST_UTIL}
            ${PROC_TRANSFORM_DIR}/transform.c
    LIBS otelc_ottl otelc_testkit PkgConfig::JANSSON)
endif()
