# The host's data path: batches, back-off, exporter queues, the loader.
foreach(part batch retry exporter_queue)
  otelc_add_unit_test(host_${part}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${part}.c
    LIBS otelc_core)
endforeach()
