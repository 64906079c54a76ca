# cmake -DPROTOC_C=... -DPROTO_DIR=... -DIN=x.txtpb -DOUT=x.binpb -P encode_txtpb.cmake
# Encodes one text-format ExportTraceServiceRequest of the corpus as
# protobuf (a script, because add_custom_command cannot redirect portably).
execute_process(
  COMMAND ${PROTOC_C} -I${PROTO_DIR}
          --encode=opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest
          opentelemetry/proto/collector/trace/v1/trace_service.proto
  WORKING_DIRECTORY ${PROTO_DIR}
  INPUT_FILE ${IN}
  OUTPUT_FILE ${OUT}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT})
  message(FATAL_ERROR "protoc-c could not encode ${IN}")
endif()
