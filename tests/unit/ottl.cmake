# libs/ottl: the language on known spans (statements and conditions
# modelled on the collector's documentation), parse errors with their
# positions, and the filter and transform processors on the SDK's test kit.
set(OTTL_TEST_UTIL ${CMAKE_CURRENT_LIST_DIR}/test_ottl_util.c)

otelc_add_unit_test(test_ottl_eval
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ottl_eval.c ${OTTL_TEST_UTIL}
  LIBS otelc_ottl PkgConfig::JANSSON)

otelc_add_unit_test(test_ottl_parse
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ottl_parse.c
  LIBS otelc_ottl)
