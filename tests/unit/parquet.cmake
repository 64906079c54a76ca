# libs/parquet: the trace table written from OTLP requests and read back
# through the footer reader and bloom filters; the Thrift compact protocol
# and the RLE/bit-packed hybrid against small decoders of the test's own.
# DuckDB reads the same files in the awss3_parquet integration test.
otelc_add_unit_test(test_parquet
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_parquet.c
          ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c
          ${CMAKE_CURRENT_LIST_DIR}/otlp_deep_walk.c
  LIBS otelc_parquet otelc_sdk otelc_proto PkgConfig::XXHASH)
target_include_directories(test_parquet PRIVATE ${PROJECT_SOURCE_DIR}/libs/parquet)

# The reading half: rows back as summaries and OTLP, compared field by
# field with the requests written; pages and text decoders on their own.
otelc_add_unit_test(test_parquet_read
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_parquet_read.c
          ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c
          ${CMAKE_CURRENT_LIST_DIR}/otlp_deep_walk.c
  LIBS otelc_parquet otelc_sdk otelc_proto m)
target_include_directories(test_parquet_read PRIVATE ${PROJECT_SOURCE_DIR}/libs/parquet)

# Merging files (compaction): rows in = rows out, sorted, every column,
# identical bytes for identical inputs.
otelc_add_unit_test(test_parquet_merge
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_parquet_merge.c
          ${CMAKE_CURRENT_LIST_DIR}/otlp_fixture.c
  LIBS otelc_parquet otelc_sdk otelc_proto)
target_include_directories(test_parquet_merge PRIVATE ${PROJECT_SOURCE_DIR}/libs/parquet)
