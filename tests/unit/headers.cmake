# Every public header compiles alone, as C11 and as C++17, with
# -Wall -Wextra -Werror -pedantic: a plugin author may include any one
# first, from either language. The headers assume POSIX.1-2008
# (otelc/sdk/clock.h reads clock_gettime), as every plugin's build does.
set(OTELC_PUBLIC_HEADERS_DIR ${CMAKE_CURRENT_LIST_DIR}/../../sdk/include)
find_program(OTELC_TEST_CXX NAMES ${CMAKE_CXX_COMPILER} c++ g++ clang++)
foreach(lang c11 cxx17)
  if(lang STREQUAL "c11")
    set(compiler ${CMAKE_C_COMPILER})
    set(flags "-x;c;-std=c11")
  else()
    set(compiler ${OTELC_TEST_CXX})
    set(flags "-x;c++;-std=c++17")
  endif()
  if(NOT compiler)
    continue()
  endif()
  add_test(NAME headers_alone_${lang}
    COMMAND ${CMAKE_COMMAND} -DCOMPILER=${compiler} "-DFLAGS=${flags}"
            -DINCLUDE_DIR=${OTELC_PUBLIC_HEADERS_DIR}
            -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/headers_${lang}
            -P ${CMAKE_CURRENT_LIST_DIR}/../check_headers.cmake)
  set_tests_properties(headers_alone_${lang} PROPERTIES LABELS unit)
endforeach()
