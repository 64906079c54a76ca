# The S3 client of libs/s3, each module tested alone; the requests run
# against s3rver in the awss3 integration tests. test_sigv4 checks the
# signer against AWS's published known answers (tests/data/sigv4), S3
# worked examples, encoder edge cases, input checks and OpenSSL
# allocation failures.
foreach(t test_sigv4 test_s3_error test_s3_creds test_s3_multipart test_s3_list)
  otelc_add_unit_test(${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c LIBS otelc_s3)
endforeach()
