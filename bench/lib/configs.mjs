// The bench pipelines as otelc YAML: one OTLP receiver (gRPC or HTTP on a
// port the system picks), one exporter (file or awss3) behind the memory
// or the durable queue. Admin on a free port; no separate telemetry port.

function receiver(p) {
  const loops = p.loopThreads ? `, loop_threads: ${p.loopThreads}` : '';
  const proto = p.protocol === 'grpc' ? 'grpc' : 'http';
  return `receivers:
  otlp:
    protocols:
      ${proto}: { endpoint: "127.0.0.1:0"${loops} }
`;
}

// The queue: memory (the defaults, or with read-side batching) or durable
// with read-side batching.
function queue(p) {
  if (!p.durable && p.memoryBatch) {
    return `
    sending_queue:
      batch: { min_size: 8192, flush_timeout: 200ms }`;
  }
  if (!p.durable) return '';
  const max = p.batchMaxSize ? `, max_size: ${p.batchMaxSize}` : '';
  return `
    sending_queue:
      storage: file_storage
      num_consumers: ${p.consumers || 2}
      batch: { min_size: 8192${max}, flush_timeout: 200ms }`;
}

// awss3's query index, which builds before the trace table (such as
// 27bf5e0) kept by default: only written when index is set (--awss3-index),
// since today's awss3 has no such key.
function index(p) {
  if (p.index === undefined) return '';
  return `
    index: { enabled: ${p.index} }`;
}

function exporter(p) {
  if (p.exporter === 'file') {
    return `exporters:
  file:
    path: "${p.filePath}"
    format: proto${queue(p)}
`;
  }
  return `exporters:
  awss3:
    s3uploader:
      region: us-east-1
      s3_bucket: ${p.s3.bucket}
      s3_prefix: bench
      endpoint: "${p.s3.endpoint}"
      s3_force_path_style: true
      compression: ${p.compression || (p.marshaler === 'parquet' ? 'none' : 'zstd')}
      access_key_id: ${p.s3.accessKey}
      secret_access_key: ${p.s3.secretKey}
    marshaler: ${p.marshaler || 'otlp_proto'}${index(p)}${queue(p)}
`;
}

function extensions(p) {
  if (!p.durable) return '';
  return `extensions:
  file_storage: { directory: "${p.queueDir}", create_directory: true, fsync: ${p.fsync !== false} }
`;
}

// The shipped pipelines.yaml, moved by a merged second config onto free
// ports, the bench's S3 server and key, and the scenario's queue directory
// (and trace_query's and metadata_extractor's endpoints where the shipped
// file has them).
function shippedOverride(p) {
  return `receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
      http: { endpoint: "127.0.0.1:0" }${p.shippedExtractor ? `
processors:
  metadata_extractor: { endpoint: "127.0.0.1:0" }` : ''}
exporters:
  awss3:
    s3uploader:
      s3_bucket: ${p.s3.bucket}
      endpoint: "${p.s3.endpoint}"
      access_key_id: ${p.s3.accessKey}
      secret_access_key: ${p.s3.secretKey}
extensions:
  file_storage: { directory: "${p.queueDir}", create_directory: true }
  health_check: { endpoint: "127.0.0.1:0" }${p.shippedQuery ? `
  trace_query:
    endpoint: "127.0.0.1:0"
    s3uploader:
      s3_bucket: ${p.s3.bucket}
      endpoint: "${p.s3.endpoint}"
      access_key_id: ${p.s3.accessKey}
      secret_access_key: ${p.s3.secretKey}` : ''}
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
`;
}

// p: { protocol: grpc|http, loopThreads, exporter: file|awss3, filePath,
//      s3: { endpoint, bucket, accessKey, secretKey }, durable, fsync,
//      consumers, queueDir, batchMaxSize (durable batches' max_size), memoryBatch (sending_queue.batch without
//      storage), marshaler (awss3's; default otlp_proto), compression
//      (awss3's; default zstd, none for parquet), index (awss3's query
//      index of older builds: true|false, unset writes no key), shipped
//      (pipelines.yaml with only ports, bucket and queue moved: the YAML
//      returned is merged over it), shippedQuery (that file has trace_query),
//      shippedExtractor (it has metadata_extractor) }
export function pipelineYaml(p) {
  if (p.shipped) return shippedOverride(p);
  const exp = p.exporter === 'file' ? 'file' : 'awss3';
  return `${receiver(p)}${exporter(p)}${extensions(p)}service:
${p.durable ? '  extensions: [file_storage]\n' : ''}  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [${exp}]
`;
}
