// The scenarios of the bench. Each names its pipeline (see configs.mjs)
// and its load: the generator (the example client in replay mode, or
// h2load with the same body), spans per request, connections, streams
// per connection, and a fixed rate or 0 for as fast as otelc answers.

const grpcFile = { protocol: 'grpc', loopThreads: 2, exporter: 'file' };
const durable = { durable: true, fsync: true, consumers: 2 };
const s3 = { protocol: 'grpc', loopThreads: 2, exporter: 'awss3', durable: true, fsync: true,
  consumers: 4 };
const blast = { spansPerRequest: 100, connections: 4, streams: 32, rate: 0 };
const steady = { spansPerRequest: 100, connections: 2, streams: 8, rate: 100000 };
// The realistic path: what the shipped pipeline wrote before the trace
// table (OTLP/JSON objects, gzip), the collector's awss3 defaults.
const json = { ...s3, marshaler: 'otlp_json', compression: 'gzip' };

export const SCENARIOS = [
  { id: 'a', title: '(a) gRPC -> file /dev/null, memory queue',
    pipeline: grpcFile, load: { generator: 'client', ...blast } },
  { id: 'a-h2load', title: '(a) the same, h2load',
    pipeline: grpcFile, load: { generator: 'h2load', protocol: 'grpc', ...blast } },
  { id: 'a-1loop', title: '(a) with one receiver loop',
    pipeline: { ...grpcFile, loopThreads: 1 }, load: { generator: 'client', ...blast } },
  { id: 'a-batch', title: '(a) with read-side batching in the memory queue',
    pipeline: { ...grpcFile, memoryBatch: true }, load: { generator: 'client', ...blast } },
  { id: 'b', title: '(b) gRPC -> durable queue (fsync, batch) -> file',
    pipeline: { ...grpcFile, ...durable }, load: { generator: 'client', ...blast } },
  { id: 'b-h2load', title: '(b) the same, h2load',
    pipeline: { ...grpcFile, ...durable },
    load: { generator: 'h2load', protocol: 'grpc', ...blast } },
  { id: 'c', title: '(c) gRPC -> durable queue -> awss3 proto+zstd -> s3rver',
    pipeline: s3, load: { generator: 'client', ...blast } },
  { id: 'c-parquet', title: '(c) with marshaler parquet (the trace table)',
    pipeline: { ...s3, marshaler: 'parquet' }, load: { generator: 'client', ...blast } },
  { id: 'd-h2c', title: '(d) OTLP/HTTP protobuf over h2c -> file',
    pipeline: { ...grpcFile, protocol: 'http' },
    load: { generator: 'h2load', protocol: 'h2c', ...blast } },
  { id: 'd-h1', title: '(d) OTLP/HTTP protobuf over HTTP/1.1 -> file',
    pipeline: { ...grpcFile, protocol: 'http' },
    load: { generator: 'h2load', protocol: 'h1', ...blast, connections: 64 } },
  { id: 'e-1000', title: '(e) (a) with 1000 spans per request',
    pipeline: grpcFile, load: { generator: 'client', ...blast, spansPerRequest: 1000, streams: 8 } },
  { id: 'f-gzip', title: '(f) (a) with gzip requests',
    pipeline: grpcFile, load: { generator: 'client', ...blast, gzip: true } },
  { id: 'a-100k', title: '(a) at 100,000 spans/s',
    pipeline: grpcFile, load: { generator: 'client', ...steady } },
  { id: 'b-100k', title: '(b) at 100,000 spans/s',
    pipeline: { ...grpcFile, ...durable }, load: { generator: 'client', ...steady } },
  { id: 'c-100k', title: '(c) at 100,000 spans/s',
    pipeline: s3, load: { generator: 'client', ...steady } },
  { id: 'c-parquet-100k', title: '(c) with marshaler parquet at 100,000 spans/s',
    pipeline: { ...s3, marshaler: 'parquet' }, load: { generator: 'client', ...steady } },
  // What users run: the shipped pipelines.yaml as it is (the Parquet trace
  // table into S3 through the durable queue, and the query extension), its
  // client latency at the commit.
  { id: 'shipped-100k', title: 'the shipped pipelines.yaml at 100,000 spans/s',
    pipeline: { shipped: true, protocol: 'grpc', exporter: 'awss3' },
    load: { generator: 'client', ...steady } },
  // The cheap sink (bench/README.md): nginx answers every S3 request with
  // 200 and stores nothing, so the sink takes little of the cores and what
  // landed is the exporter's sent counter. The s3rver scenarios above stay
  // the correctness runs (every object read back).
  { id: 'c-nginx', title: '(c) awss3 otlp_proto + zstd -> nginx',
    pipeline: s3, sink: 'nginx', load: { generator: 'client', ...blast } },
  // h2load over OTLP/HTTP (h2c): a refused request is a 503 it counts. Over
  // gRPC a refusal is grpc-status UNAVAILABLE in the trailers of a 200,
  // which h2load cannot read, so at saturation its figures would count
  // refused requests as acknowledged.
  { id: 'c-nginx-h2load', title: '(c) awss3 otlp_proto + zstd -> nginx, OTLP/HTTP h2c by h2load',
    pipeline: { ...s3, protocol: 'http' }, sink: 'nginx',
    load: { generator: 'h2load', protocol: 'h2c', ...blast } },
  { id: 'c-nginx-100k', title: '(c) awss3 otlp_proto + zstd -> nginx at 100,000 spans/s',
    pipeline: s3, sink: 'nginx', load: { generator: 'client', ...steady } },
  { id: 'c-nginx-300k', title: '(c) awss3 otlp_proto + zstd -> nginx at 300,000 spans/s',
    pipeline: s3, sink: 'nginx', load: { generator: 'client', ...steady, connections: 4, rate: 300000 } },
  { id: 'c-json', title: 'the realistic path: (c) with otlp_json + gzip -> s3rver',
    pipeline: json, load: { generator: 'client', ...blast } },
  { id: 'c-json-nginx', title: 'the realistic path: (c) with otlp_json + gzip -> nginx',
    pipeline: json, sink: 'nginx', load: { generator: 'client', ...blast } },
  { id: 'c-json-nginx-h2load', title: 'the realistic path -> nginx, OTLP/HTTP h2c by h2load',
    pipeline: { ...json, protocol: 'http' }, sink: 'nginx',
    load: { generator: 'h2load', protocol: 'h2c', ...blast } },
  { id: 'c-json-nginx-100k', title: 'the realistic path -> nginx at 100,000 spans/s',
    pipeline: json, sink: 'nginx', load: { generator: 'client', ...steady } },
  { id: 'c-json-nginx-300k', title: 'the realistic path -> nginx at 300,000 spans/s',
    pipeline: json, sink: 'nginx', load: { generator: 'client', ...steady, connections: 4, rate: 300000 } },
  { id: 'shipped-100k-nginx', title: 'the shipped pipelines.yaml -> nginx at 100,000 spans/s',
    pipeline: { shipped: true, protocol: 'grpc', exporter: 'awss3' }, sink: 'nginx',
    load: { generator: 'client', ...steady } },
  // (b) and (c) at a rate (c) sustains without refusing: CPU per span
  // compared under load, without refused requests in the figures.
  { id: 'b-300k', title: '(b) at 300,000 spans/s',
    pipeline: { ...grpcFile, ...durable }, load: { generator: 'client', ...steady, connections: 4, rate: 300000 } },
  { id: 'c-300k', title: '(c) at 300,000 spans/s',
    pipeline: s3, load: { generator: 'client', ...steady, connections: 4, rate: 300000 } },
];

// The CI smoke run: (a) and (b) at a modest fixed rate, the file
// exporter writing a real file that is parsed afterwards.
export const SMOKE = ['a', 'b'].map((id) => {
  const s = SCENARIOS.find((x) => x.id === id);
  return { ...s, load: { ...s.load, connections: 2, streams: 4, rate: 20000 }, parseFile: true };
});
