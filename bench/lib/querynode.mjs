// A query node over the bench's table (otelc with only the trace_query
// extension) and one timed query: wall time on the client's side, the
// ranged GETs and bytes the node fetched (its own counters), and the CPU
// the node and the S3 server spent meanwhile.
import { startOtelc } from './otelc.mjs';
import { cpuSeconds } from './procstat.mjs';
import { TABLE_PREFIX } from './table.mjs';

function nodeYaml(s3, listInterval) {
  return `extensions:
  trace_query:
    endpoint: "127.0.0.1:0"
    list_interval: ${listInterval}
    s3uploader:
      region: us-east-1
      s3_bucket: ${s3.config.bucket}
      s3_prefix: ${TABLE_PREFIX}
      endpoint: "${s3.config.endpoint}"
      s3_force_path_style: true
      access_key_id: ${s3.config.accessKey}
      secret_access_key: ${s3.config.secretKey}
service:
  extensions: [trace_query]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
`;
}

// Starts a query node with an empty cache.
export async function startNode(paths, s3, workDir, { listInterval = '10s' } = {}) {
  const o = await startOtelc(paths, nodeYaml(s3, listInterval), workDir);
  const m = /trace_query: listening on \S+ \(port (\d+)\)/.exec(o.log);
  if (!m) {
    await o.stop();
    throw new Error(`no trace_query listener:\n${o.log}`);
  }
  o.ports.query = Number(m[1]);
  return o;
}

function series(text, name) {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

async function counters(node, s3) {
  const text = await (await fetch(`http://127.0.0.1:${node.ports.admin}/metrics`)).text();
  return { gets: series(text, 'otelc_trace_query_gets_total'),
    bytes: series(text, 'otelc_trace_query_read_bytes_total'),
    nodeCpu: cpuSeconds(node.pid), s3Cpu: cpuSeconds(s3.pid) };
}

// GETs path on the node: { ms, status, gets, bytes, nodeCpu, s3Cpu, body }.
export async function timed(node, s3, path) {
  const c0 = await counters(node, s3);
  const t0 = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${node.ports.query}${path}`,
    { signal: AbortSignal.timeout(300000) });
  const body = await res.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c1 = await counters(node, s3);
  return { path, ms, status: res.status, gets: c1.gets - c0.gets, bytes: c1.bytes - c0.bytes,
    nodeCpu: c1.nodeCpu - c0.nodeCpu, s3Cpu: c1.s3Cpu - c0.s3Cpu, body };
}
