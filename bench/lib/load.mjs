// The two load generators and what they report. Both send one
// pre-encoded request again and again: the example client's replay mode
// (gRPC), and h2load (nghttp2's public benchmark tool) with the very body
// the client dumps, over gRPC, OTLP/HTTP h2c or OTLP/HTTP/1.1.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentile, runCommand } from './util.mjs';

export const GRPC_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

function num(re, text, what) {
  const m = re.exec(text);
  if (!m) throw new Error(`cannot read ${what} from:\n${text}`);
  return m.slice(1).map(Number);
}

// Reads otelc-client's summary into the bench's shape.
export function parseClient(text, spansPerRequest) {
  const [requests, ok] = num(/^requests: (\d+) sent, (\d+) ok/m, text, 'requests');
  const [acked, failed] = num(/^spans: (\d+) acknowledged, (\d+) failed/m, text, 'spans');
  const errors = [...text.matchAll(/^ +grpc-status +(\d+) (\S+) +(\d+)(?: +(.*))?$/gm)]
    .filter((m) => m[1] !== '0').map((m) => `${m[2]} x${m[3]}${m[4] ? `: ${m[4]}` : ''}`);
  const [rate, , seconds] = num(/^rate: (\S+) spans\/s, (\S+) requests\/s over (\S+) s/m, text, 'rate');
  const [p50, p99] = num(/^latency: p50 (\S+) ms, p99 (\S+) ms/m, text, 'latency');
  return { requests, ok, sent: requests * spansPerRequest, acked, failed, errors, rate, seconds,
    p50, p99 };
}

// Runs otelc-client in replay mode for seconds against port.
export async function runClient(paths, port, seconds, o, onStart) {
  const args = ['--endpoint', `127.0.0.1:${port}`, '--replay', '--duration', String(seconds),
    '--spans-per-request', String(o.spansPerRequest), '--connections', String(o.connections),
    '--streams', String(o.streams), '--seed', '1', '--timeout', '30'];
  if (o.gzip) args.push('--gzip');
  if (o.rate) args.push('--rate', String(o.rate));
  const r = await runCommand(paths.client, args, { onStart });
  if (r.signal || r.code > 1) throw new Error(`otelc-client failed (${r.code ?? r.signal}):\n${r.stderr}`);
  return { ...parseClient(r.stderr, o.spansPerRequest), pid: r.pid };
}

// Writes the request body h2load sends: the client's gRPC body (5-byte
// prefix + message), or the bare message for OTLP/HTTP.
export async function dumpBody(paths, dir, o, grpc) {
  const file = join(dir, `request-${o.spansPerRequest}.grpc`);
  const r = await runCommand(paths.client, ['--dump', file, '--seed', '1',
    '--spans-per-request', String(o.spansPerRequest)]);
  if (r.code !== 0) throw new Error(`otelc-client --dump failed:\n${r.stderr}`);
  if (grpc) return file;
  const bare = join(dir, `request-${o.spansPerRequest}.binpb`);
  writeFileSync(bare, readFileSync(file).subarray(5));
  return bare;
}

// Reads h2load's summary and its per-request log (start, status, µs).
export function parseH2load(text, logText, spansPerRequest) {
  const [, started, done] = num(/^requests: (\d+) total, (\d+) started, (\d+) done/m, text,
    'requests');
  const [ok2xx] = num(/^status codes: (\d+) 2xx/m, text, 'status codes');
  const [seconds] = num(/^finished in ([\d.]+)s/m, text, 'duration');
  const lat = [];
  for (const line of logText.split('\n')) {
    const f = line.split('\t');
    if (f.length >= 3 && f[1] === '200') lat.push(Number(f[2]) / 1000);
  }
  const acked = ok2xx * spansPerRequest;
  const failed = (done - ok2xx) * spansPerRequest;
  return { requests: started, ok: ok2xx, sent: started * spansPerRequest, acked, failed,
    errors: failed ? [`non-2xx x${done - ok2xx}`] : [], rate: acked / seconds, seconds,
    p50: percentile(lat, 0.5), p99: percentile(lat, 0.99) };
}

// Runs h2load for seconds. o.protocol: grpc | h2c | h1.
export async function runH2load(paths, port, seconds, o, body, dir, onStart) {
  const log = join(dir, 'h2load.log');
  const grpc = o.protocol === 'grpc';
  const url = `http://127.0.0.1:${port}${grpc ? GRPC_PATH : '/v1/traces'}`;
  const headers = grpc ? ['-H', 'content-type: application/grpc', '-H', 'te: trailers']
    : ['-H', 'content-type: application/x-protobuf'];
  const args = ['-D', String(seconds), '-t', '1', '-c', String(o.connections),
    '-m', String(o.protocol === 'h1' ? 1 : o.streams), '-d', body, ...headers,
    `--log-file=${log}`, ...(o.protocol === 'h1' ? ['--h1'] : []), url];
  const r = await runCommand(paths.h2load, args, { onStart });
  if (r.code !== 0) throw new Error(`h2load failed (${r.code ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return { ...parseH2load(r.stdout, readFileSync(log, 'utf8'), o.spansPerRequest), pid: r.pid };
}
