# The SDK's test kit (sdk/testkit/, otelc/testkit.h): its own unit test
# with small plugins defined in the test, and the examples' plugins run
# through it as an author would (sdk/examples/*/test_*.c are also built
# out of tree against an installed kit by tests/integration/install).
set(SDK_EXAMPLES_DIR ${CMAKE_CURRENT_LIST_DIR}/../../sdk/examples)

otelc_add_unit_test(test_testkit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_testkit.c
  LIBS otelc_testkit)

# The examples' own tests, as their CMakeLists build them out of tree.
otelc_add_unit_test(test_example_count
  SOURCES ${SDK_EXAMPLES_DIR}/count/test_count.c ${SDK_EXAMPLES_DIR}/count/count.c
  LIBS otelc_testkit)

add_executable(test_example_redact ${SDK_EXAMPLES_DIR}/redact/test_redact.c
               ${SDK_EXAMPLES_DIR}/redact/redact.c)
target_link_libraries(test_example_redact PRIVATE otelc_testkit)
add_test(NAME test_example_redact COMMAND test_example_redact)
set_tests_properties(test_example_redact PROPERTIES LABELS unit)
