# The authenticator extensions (extensions/bearertokenauth, basicauth,
# headers_setter) through the SDK's test kit: the services they offer,
# called as receivers and exporters call them. The receiver and exporter
# sides run in tests/integration/auth.test.mjs.
set(EXT_DIR ${CMAKE_CURRENT_LIST_DIR}/../../extensions)

otelc_add_unit_test(test_bearertokenauth
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bearertokenauth.c
          ${EXT_DIR}/bearertokenauth/bearertokenauth.c ${EXT_DIR}/bearertokenauth/tokens.c
  LIBS otelc_testkit otelc_authkit)

otelc_add_unit_test(test_basicauth
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_basicauth.c ${EXT_DIR}/basicauth/basicauth.c
          ${EXT_DIR}/basicauth/client.c ${EXT_DIR}/basicauth/htpasswd.c
          ${EXT_DIR}/basicauth/apr1.c
  LIBS otelc_testkit otelc_authkit ${CRYPT_LIB} PkgConfig::OPENSSL)
target_include_directories(test_basicauth PRIVATE ${EXT_DIR}/basicauth)

otelc_add_unit_test(test_headers_setter
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_headers_setter.c
          ${EXT_DIR}/headers_setter/headers_setter.c ${EXT_DIR}/headers_setter/hs_config.c
  LIBS otelc_testkit otelc_authkit)
