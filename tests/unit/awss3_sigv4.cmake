# The awss3 exporter's SigV4 signer: AWS's published known answers (carried
# in tests/data/sigv4), S3 worked examples, encoder edge cases, input checks
# and OpenSSL allocation failures.
otelc_add_unit_test(test_sigv4
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sigv4.c
          ${PROJECT_SOURCE_DIR}/exporters/awss3/sigv4.c
          ${PROJECT_SOURCE_DIR}/exporters/awss3/sigv4_uri.c
          ${PROJECT_SOURCE_DIR}/exporters/awss3/sigv4_check.c
  LIBS PkgConfig::OPENSSL)
target_include_directories(test_sigv4 PRIVATE ${PROJECT_SOURCE_DIR}/exporters/awss3)
