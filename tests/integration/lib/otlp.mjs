// OTLP trace requests in tests: a minimal protobuf decoder for the fields
// tests check (ids, names, service.name) and the same view of OTLP/JSON,
// so every encoding is counted the same way; a minimal encoder and one
// gRPC call for tests that write requests by hand.

function* fields(buf) {
  let i = 0;
  const varint = () => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >> 3;
    const type = key & 7;
    if (type === 0) yield { field, value: varint() };
    else if (type === 1) { yield { field, value: buf.subarray(i, i + 8) }; i += 8; }
    else if (type === 5) { yield { field, value: buf.subarray(i, i + 4) }; i += 4; }
    else if (type === 2) {
      const n = Number(varint());
      if (i + n > buf.length) throw new Error('truncated field');
      yield { field, value: buf.subarray(i, i + n) };
      i += n;
    } else throw new Error(`wire type ${type}`);
  }
}

const hex = (b) => Buffer.from(b).toString('hex');
const str = (b) => Buffer.from(b).toString('utf8');

function attrs(kvs) {
  const out = {};
  for (const kv of kvs) {
    let key = '';
    let value;
    for (const f of fields(kv)) {
      if (f.field === 1) key = str(f.value);
      if (f.field === 2) {
        for (const v of fields(f.value)) {
          if (v.field === 1) value = str(v.value);
          else if (v.field === 3) value = Number(BigInt.asIntN(64, v.value));
          else if (v.field === 2) value = v.value !== 0n;
        }
      }
    }
    out[key] = value;
  }
  return out;
}

// Decodes ExportTraceServiceRequest bytes into
// [{ service, traceId, spanId, parentSpanId, name }] in order.
export function spansFromProto(buf) {
  const spans = [];
  for (const rs of fields(buf)) {
    if (rs.field !== 1) continue;
    let service;
    const scopes = [];
    for (const f of fields(rs.value)) {
      if (f.field === 1) {
        const kvs = [...fields(f.value)].filter((a) => a.field === 1).map((a) => a.value);
        service = attrs(kvs)['service.name'];
      } else if (f.field === 2) scopes.push(f.value);
    }
    for (const ss of scopes) {
      for (const f of fields(ss)) {
        if (f.field !== 2) continue;
        const span = { service, traceId: '', spanId: '', parentSpanId: '', name: '' };
        const kvs = [];
        for (const s of fields(f.value)) {
          if (s.field === 1) span.traceId = hex(s.value);
          else if (s.field === 2) span.spanId = hex(s.value);
          else if (s.field === 4) span.parentSpanId = hex(s.value);
          else if (s.field === 5) span.name = str(s.value);
          else if (s.field === 9) kvs.push(s.value);
        }
        span.attributes = attrs(kvs);
        spans.push(span);
      }
    }
  }
  return spans;
}

// The same view of an OTLP/JSON request object.
export function spansFromJson(req) {
  const spans = [];
  for (const rs of req.resourceSpans || []) {
    const sn = (rs.resource?.attributes || []).find((a) => a.key === 'service.name');
    const service = sn?.value?.stringValue;
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        const attributes = {};
        for (const a of s.attributes || []) {
          const v = a.value || {};
          attributes[a.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue);
        }
        spans.push({ service, traceId: s.traceId || '', spanId: s.spanId || '',
          parentSpanId: s.parentSpanId || '', name: s.name || '', attributes });
      }
    }
  }
  return spans;
}

// Length-prefixed (4-byte big-endian) protobuf messages, as the file
// exporter's proto format writes them.
export function* lengthPrefixed(buf) {
  let i = 0;
  while (i < buf.length) {
    const n = buf.readUInt32BE(i);
    yield buf.subarray(i + 4, i + 4 + n);
    i += 4 + n;
  }
}

// ---- writing: a minimal OTLP protobuf encoder and one gRPC call ----

export const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const METRICS_EXPORT = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
export const LOGS_EXPORT = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
function pbVarint(n) {
  const out = [];
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
export const field = (no, payload) => Buffer.concat([pbVarint((no << 3) | 2), pbVarint(payload.length), payload]);
// A fixed64 (or sfixed64, or double bits) field: value is a BigInt.
export const fixed64 = (no, value) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, value));
  return Buffer.concat([pbVarint((no << 3) | 1), b]);
};
export const varintField = (no, n) => Buffer.concat([pbVarint(no << 3), pbVarint(n)]);
export const bytes = (s) => Buffer.from(s);

// ExportTraceServiceRequest of spans [{ traceId, spanId } (Buffers), name].
export function protoRequest(spans) {
  const body = spans.map((sp) => field(2, Buffer.concat([field(1, sp.traceId), field(2, sp.spanId),
    field(5, bytes(sp.name || 'span'))])));
  return field(1, field(2, Buffer.concat(body)));
}

export function frame(msg, { compressed = false, declared = msg.length } = {}) {
  const p = Buffer.alloc(5);
  p[0] = compressed ? 1 : 0;
  p.writeUInt32BE(declared, 1);
  return Buffer.concat([p, msg]);
}

// One gRPC call on an http2 session: { status, grpc, message, headers, data }.
export function call(session, body, { path = EXPORT, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers,
    });
    const res = { data: [] };
    const finish = () => {
      const t = res.trailers || res.headers || {};
      resolve({
        status: res.headers?.[':status'],
        grpc: t['grpc-status'] === undefined ? undefined : Number(t['grpc-status']),
        message: t['grpc-message'] ? decodeURIComponent(t['grpc-message']) : '',
        headers: res.headers,
        data: Buffer.concat(res.data),
      });
    };
    req.on('response', (h) => { res.headers = h; });
    req.on('trailers', (t) => { res.trailers = t; });
    req.on('data', (d) => res.data.push(d));
    req.on('close', () => (res.headers ? finish() : reject(new Error(`stream closed, code ${req.rstCode}`))));
    req.on('error', () => {});
    req.end(body);
  });
}
