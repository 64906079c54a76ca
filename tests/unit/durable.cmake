# The durable queue: its record format, in-memory index, LMDB store
# (locking, foreign files, stale readers) and the queue itself.
foreach(part format index writer store queue)
  otelc_add_unit_test(test_durable_${part}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_durable_${part}.c
            ${CMAKE_CURRENT_LIST_DIR}/test_durable_fixture.c
    LIBS otelc_core PkgConfig::LMDB PkgConfig::JANSSON)
endforeach()
