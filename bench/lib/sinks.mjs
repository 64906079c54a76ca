// Where the spans land, and how the bench counts what landed: the file
// exporter's output (parsed, or /dev/null with the exporter's own sent
// counter), the objects a local S3 server stored (read back from its
// directory, decompressed, spans counted), or nginx answering S3 requests
// and storing nothing (the exporter's sent counter again).
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { jsonRequestSpans, lengthPrefixedSpans, parquetRows, requestSpans } from './spancount.mjs';
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
  const s = { proc, pid: proc.pid, dir, out: '', ended: false, stores: true, kind: 's3rver' };
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

// { objects, spans, bytes } stored in the bucket: zstd objects through the
// zstd tool (Node 20's zlib has no zstd), gzip through zlib; Parquet
// objects (the trace table) by their footers' row counts.
export function s3Spans(s) {
  const files = objectFiles(join(s.dir, S3_BUCKET));
  let spans = 0;
  let bytes = 0;
  for (const f of files) {
    const raw = readFileSync(f);
    bytes += raw.length;
    let plain = raw;
    if (f.includes('.zst.')) plain = execFileSync('zstd', ['-d', '-c', '-q', f], { maxBuffer: 1 << 30 });
    else if (f.includes('.gz.')) plain = gunzipSync(raw);
    if (f.includes('.parquet.')) spans += parquetRows(plain);
    else spans += f.includes('.json.') ? jsonRequestSpans(plain) : requestSpans(plain);
  }
  return { objects: all.length, spans, bytes };
}

// A free loopback port: bound once by the system, then released for the
// sink (which cannot report a port it picked itself).
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

// Every answer of the cheap sink carries ETag "bench"; the body, by
// method and query: the start of a multipart upload (POST ?uploads) its
// UploadId, its completion (POST ?uploadId=) a result, a GET an empty
// listing (for a reader of the bucket such as trace_query), anything else
// (PUT of an object or a part, HEAD, DELETE) nothing.
const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const NGINX_ANSWERS = [
  ['~^POST:(.*&)?uploads(=|&|$)', `${XML}<InitiateMultipartUploadResult><Bucket>${S3_BUCKET}</Bucket><Key>k</Key><UploadId>bench</UploadId></InitiateMultipartUploadResult>`],
  ['~^POST:(.*&)?uploadId=', `${XML}<CompleteMultipartUploadResult><Bucket>${S3_BUCKET}</Bucket><Key>k</Key><ETag>"bench"</ETag></CompleteMultipartUploadResult>`],
  ['~^GET:', `${XML}<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${S3_BUCKET}</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`],
];

// nginx.conf of the cheap sink: one process (no master, so the process the
// bench samples is the one that works), request bodies read and thrown
// away (never written to a file: no limit, so none is refused), no access
// log, keep-alive connections kept for the run.
export function nginxConf(dir, port) {
  const answers = NGINX_ANSWERS.map(([re, body]) => `    "${re}" '${body}';`).join('\n');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${join(dir, 'tmp', t)};`).join('\n');
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
${temp}
  client_max_body_size 0;
  keepalive_requests 10000000;
  keepalive_timeout 600s;
  map "$request_method:$args" $s3_answer {
    default "";
${answers}
  }
  server {
    listen 127.0.0.1:${port};
    default_type application/xml;
    location / {
      add_header ETag '"bench"' always;
      return 200 $s3_answer;
    }
  }
}
`;
}

// Starts nginx as the cheap S3 sink (bench/README.md): it answers every
// request with 200 and stores nothing, so what landed is the exporter's
// sent counter. Same shape as startS3's answer, with stores: false.
export async function startNginx(paths, dir, { timeoutMs = 10000 } = {}) {
  if (!paths.nginx) throw new Error('nginx is missing (Debian package nginx-light; make setup installs it)');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConf(dir, port));
    const proc = spawn(paths.nginx, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    const s = { proc, pid: proc.pid, dir, out: '', ended: false, stores: false, kind: 'nginx' };
    proc.stdout.on('data', (d) => { s.out += d; });
    proc.stderr.on('data', (d) => { s.out += d; });
    s.exited = new Promise((resolve) => proc.on('close', () => { s.ended = true; resolve(); }));
    const deadline = Date.now() + timeoutMs;
    while (!s.ended && Date.now() < deadline && !(await portOpen(port))) await sleep(20);
    if (s.ended || Date.now() >= deadline) {
      proc.kill('SIGKILL');
      await s.exited;
      let log = s.out;
      try { log += readFileSync(join(dir, 'error.log'), 'utf8'); } catch { /* none */ }
      if (attempt < 3 && /Address already in use/.test(log)) continue; // the port was taken meanwhile
      throw new Error(`nginx did not start:\n${log}`);
    }
    s.endpoint = `http://127.0.0.1:${port}`;
    s.config = { endpoint: s.endpoint, bucket: S3_BUCKET, accessKey: S3_KEY, secretKey: S3_KEY };
    s.stop = async () => {
      if (!s.ended) proc.kill('SIGTERM'); // nginx's fast shutdown
      await s.exited;
    };
    return s;
  }
}
