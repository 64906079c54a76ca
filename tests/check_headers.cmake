# cmake -P script for headers.cmake: compiles a translation unit holding
# only `#include <otelc/...>` for each public header, with COMPILER and
# FLAGS, and fails naming every header that does not compile alone.
file(GLOB headers RELATIVE ${INCLUDE_DIR}
     ${INCLUDE_DIR}/otelc/*.h ${INCLUDE_DIR}/otelc/sdk/*.h)
list(SORT headers)
file(MAKE_DIRECTORY ${WORK_DIR})
set(failed "")
foreach(h ${headers})
  string(MAKE_C_IDENTIFIER ${h} name)
  set(tu ${WORK_DIR}/${name}.src)
  file(WRITE ${tu} "#include <${h}>\n")
  execute_process(
    COMMAND ${COMPILER} ${FLAGS} -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -pedantic
            -fsyntax-only -I${INCLUDE_DIR} ${tu}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    list(APPEND failed ${h})
    message("${h}:\n${out}")
  endif()
endforeach()
list(LENGTH headers n)
if(failed)
  message(FATAL_ERROR "headers that do not compile alone: ${failed}")
endif()
message("${n} headers compile alone")
