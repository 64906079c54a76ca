// Where the spans land, and how the bench counts what landed: the file
// exporter's output (parsed, or /dev/null with the exporter's own sent
// counter), or the objects a local S3 server stored (read back from its
// directory, decompressed, spans counted).
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { jsonRequestSpans, lengthPrefixedSpans, requestSpans } from './spancount.mjs';
import { sleep } from './util.mjs';

export const S3_BUCKET = 'bench';
const S3_KEY = 'S3RVER';

// Spans in the file exporter's proto output at path.
export function fileSpans(path) {
  return lengthPrefixedSpans(readFileSync(path)).spans;
}

// Starts scripts/s3server.mjs (s3rver) in its own process on a free port.
// s3rver 4.0.4 makes the continuation token of a listing longer than 1,000
// keys with DES, which OpenSSL 3 offers only in its legacy provider:
// without it such a listing fails (HTTP 500).
export async function startS3(paths, dir, { timeoutMs = 20000 } = {}) {
  mkdirSync(dir, { recursive: true });
  const proc = spawn(process.execPath, ['--openssl-legacy-provider', paths.s3server], {
    env: { ...process.env, S3_PORT: '0', S3_DIR: dir, STORAGE_BUCKET: S3_BUCKET,
      NODE_PATH: paths.nodeModules },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s = { proc, pid: proc.pid, dir, out: '', ended: false };
  proc.stdout.on('data', (d) => { s.out += d; });
  proc.stderr.on('data', (d) => { s.out += d; });
  s.exited = new Promise((resolve) => proc.on('close', () => { s.ended = true; resolve(); }));
  const deadline = Date.now() + timeoutMs;
  let m;
  while (!(m = /s3server: (http:\/\/\S+) bucket/.exec(s.out)) && !s.ended && Date.now() < deadline)
    await sleep(20);
  if (!m) {
    proc.kill('SIGKILL');
    throw new Error(`the S3 server did not start:\n${s.out}`);
  }
  s.endpoint = m[1];
  s.config = { endpoint: s.endpoint, bucket: S3_BUCKET, accessKey: S3_KEY, secretKey: S3_KEY };
  s.stop = async () => {
    if (!s.ended) proc.kill('SIGTERM');
    await s.exited;
  };
  return s;
}

function objectFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...objectFiles(p));
    else if (e.name.endsWith('._S3rver_object')) out.push(p);
  }
  return out;
}

// Rows of the Parquet files (the trace table: one per span), from their
// footers, read by DuckDB.
async function parquetRows(files) {
  if (!files.length) return 0;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const list = files.map((f) => `'${f}'`).join(', ');
  const r = await db.runAndReadAll(`SELECT sum(num_rows)::BIGINT AS n FROM parquet_file_metadata([${list}])`);
  return Number(r.getRowObjectsJson()[0].n);
}

// { objects, spans, bytes } stored in the bucket: zstd objects through the
// zstd tool (Node 20's zlib has no zstd), gzip through zlib, Parquet files
// by their footers.
export async function s3Spans(s) {
  const all = objectFiles(join(s.dir, S3_BUCKET));
  const parquet = all.filter((f) => f.includes('.parquet.'));
  const files = all.filter((f) => !f.includes('.parquet.'));
  let spans = await parquetRows(parquet);
  let bytes = parquet.reduce((n, f) => n + statSync(f).size, 0);
  for (const f of files) {
    const raw = readFileSync(f);
    bytes += raw.length;
    let plain = raw;
    if (f.includes('.zst.')) plain = execFileSync('zstd', ['-d', '-c', '-q', f], { maxBuffer: 1 << 30 });
    else if (f.includes('.gz.')) plain = gunzipSync(raw);
    spans += f.includes('.json.') ? jsonRequestSpans(plain) : requestSpans(plain);
  }
  return { objects: all.length, spans, bytes };
}
