# The durable queue: its record format, in-memory index, LMDB store
# (locking, foreign files, stale readers) and the queue itself.
foreach(part format index writer store queue)
  otelc_add_unit_test(test_durable_${part}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_durable_${part}.c
            ${CMAKE_CURRENT_LIST_DIR}/test_durable_fixture.c
    LIBS otelc_core PkgConfig::LMDB PkgConfig::JANSSON)
endforeach()

# Both backends through one file: the sender (completions, in-flight
# limit, retries, shutdown) is the same for each.
otelc_add_unit_test(test_queue_sender
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_queue_sender.c
          ${CMAKE_CURRENT_LIST_DIR}/test_durable_fixture.c
  LIBS otelc_core PkgConfig::LMDB PkgConfig::JANSSON)
