# cmake -DPROTOC_C=... -DPROTO_DIR=... -DIN=x.txtpb -DOUT=x.binpb -P encode_txtpb.cmake
# Encodes one text-format request of the corpus as protobuf (a script,
# because add_custom_command cannot redirect portably). The file name says
# the signal: metrics_*.txtpb and logs_*.txtpb hold Export{Metrics,Logs}-
# ServiceRequests, every other one an ExportTraceServiceRequest.
get_filename_component(stem ${IN} NAME_WE)
if(stem MATCHES "^metrics_")
  set(message opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest)
  set(file opentelemetry/proto/collector/metrics/v1/metrics_service.proto)
elseif(stem MATCHES "^logs_")
  set(message opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest)
  set(file opentelemetry/proto/collector/logs/v1/logs_service.proto)
else()
  set(message opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest)
  set(file opentelemetry/proto/collector/trace/v1/trace_service.proto)
endif()
execute_process(
  COMMAND ${PROTOC_C} -I${PROTO_DIR} --encode=${message} ${file}
  WORKING_DIRECTORY ${PROTO_DIR}
  INPUT_FILE ${IN}
  OUTPUT_FILE ${OUT}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT})
  message(FATAL_ERROR "protoc-c could not encode ${IN}")
endif()
