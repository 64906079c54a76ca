# The config loader, the command line and the logger: one cmocka test per
# module, plus tests that run the built otelc binary.
foreach(part yaml env merge units value shape cli log)
  otelc_add_unit_test(config_${part}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_config_${part}.c
    LIBS otelc_core)
endforeach()
# The shape test reads the shipped pipelines.yaml's model.
target_compile_definitions(config_shape PRIVATE
  OTELC_SHIPPED_CONFIG="${CMAKE_SOURCE_DIR}/pipelines.yaml")

if(TARGET otelc)
  # Exit codes and output of the real binary, on configs that fail before
  # any plugin is needed.
  otelc_add_unit_test(config_otelc SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_config_otelc.c)
  target_compile_definitions(config_otelc PRIVATE
    OTELC_BIN="$<TARGET_FILE:otelc>"
    OTELC_VERSION_EXPECTED="${PROJECT_VERSION}")
  add_dependencies(config_otelc otelc)

  # The shipped default pipeline validates with the plugins it names.
  add_test(NAME config_validate_shipped
    COMMAND $<TARGET_FILE:otelc> validate --config ${CMAKE_SOURCE_DIR}/pipelines.yaml
            --plugin-dir ${OTELC_PLUGIN_BUILD_DIR})
  set_tests_properties(config_validate_shipped PROPERTIES LABELS unit)
  # A broken config: exit code 1 and the error at FILE:LINE:COL.
  add_test(NAME config_validate_broken
    COMMAND sh -c "out=$(\"$0\" validate --config \"$1\" 2>&1); rc=$?; printf '%s\\n' \"$out\"; \
[ $rc -eq 1 ] && printf '%s\\n' \"$out\" | grep -qF \"$1:9:26: key 'service.pipelines.traces.exporters[1]'\""
      $<TARGET_FILE:otelc> ${CMAKE_CURRENT_SOURCE_DIR}/data/config/cli_broken.yaml)
  set_tests_properties(config_validate_broken PROPERTIES LABELS unit)
endif()
