// A real application in its own process: the OpenTelemetry JS SDK with
// its default BatchSpanProcessor and the gRPC exporter, creating spans at
// a steady rate after one warm-up export. Prints one JSON line: spans
// created (the warm-up span too), spans the exporter reported exported or
// failed, export calls and their client-side latencies (ms).
//
//   node sdk_sender.mjs --url http://127.0.0.1:4317 --rate 5000 --seconds 6
import { parseArgs } from 'node:util';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '6' },
    service: { type: 'string', default: 'sdk-sender' },
  },
});
const rate = Number(a.rate);
const seconds = Number(a.seconds);

const exporter = new OTLPTraceExporter({ url: a.url });
const out = { created: 0, exported: 0, failed: 0, exports: 0, latencies: [] };
const send = exporter.export.bind(exporter);
exporter.export = (spans, done) => {
  const t0 = process.hrtime.bigint();
  out.exports++;
  send(spans, (r) => {
    out.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.code === 0) out.exported += spans.length;
    else out.failed += spans.length;
    done(r);
  });
};
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
const tracer = provider.getTracer(a.service);

// An application's first exports open the gRPC channel and warm the
// serializer (100-200 ms for the first full batch here); the steady rate
// starts after two full warm-up batches, so what is measured is the
// pipeline's answer, not the client's start-up.
for (let round = 0; round < 2; round++) {
  for (let i = 0; i < 512; i++, out.created++) tracer.startSpan('warm-up').end();
  await provider.forceFlush();
}

// Every 10 ms, the spans due by now: a steady rate however late a tick is.
const start = Date.now();
const base = out.created;
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const elapsed = Math.min(Date.now() - start, seconds * 1000);
    const due = base + Math.floor((elapsed * rate) / 1000);
    for (; out.created < due; out.created++) {
      const s = tracer.startSpan(`op-${out.created % 16}`, { attributes: { 'sdk.seq': out.created } });
      s.end();
    }
    if (elapsed >= seconds * 1000) {
      clearInterval(tick);
      resolve();
    }
  }, 10);
});
await provider.forceFlush();
await provider.shutdown();
process.stdout.write(`${JSON.stringify(out)}\n`);
