// Counts the spans in serialized OTLP ExportTraceServiceRequest bytes
// without decoding them: request.1 resource_spans -> .2 scope_spans ->
// .2 spans, every other field skipped by its length. A concatenation of
// requests is itself a request, so the same walk counts merged batches.

function varint(buf, at) {
  let v = 0;
  let mul = 1;
  for (;;) {
    if (at.i >= buf.length) throw new Error('truncated varint');
    const b = buf[at.i++];
    v += (b & 0x7f) * mul;
    if (!(b & 0x80)) return v;
    mul *= 128;
  }
}

// Calls fn(field, start, end) for each length-delimited field of
// buf[start, end); skips the other wire types.
function eachLen(buf, start, end, fn) {
  const at = { i: start };
  while (at.i < end) {
    const key = varint(buf, at);
    const wire = key % 8;
    if (wire === 0) varint(buf, at);
    else if (wire === 1) at.i += 8;
    else if (wire === 5) at.i += 4;
    else if (wire === 2) {
      const len = varint(buf, at);
      if (at.i + len > end) throw new Error('truncated field');
      fn(Math.floor(key / 8), at.i, at.i + len);
      at.i += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  if (at.i !== end) throw new Error('field overruns its message');
}

// Spans in one OTLP/JSON request (an object of the otlp_json marshaler).
export function jsonRequestSpans(buf) {
  let n = 0;
  for (const rs of JSON.parse(buf.toString('utf8')).resourceSpans || [])
    for (const ss of rs.scopeSpans || []) n += (ss.spans || []).length;
  return n;
}

// Spans in one request held in buf[start, end).
export function requestSpans(buf, start = 0, end = buf.length) {
  let n = 0;
  eachLen(buf, start, end, (f, rs, rsEnd) => {
    if (f !== 1) return;
    eachLen(buf, rs, rsEnd, (g, ss, ssEnd) => {
      if (g !== 2) return;
      eachLen(buf, ss, ssEnd, (h) => { n += h === 2 ? 1 : 0; });
    });
  });
  return n;
}

// Spans in the file exporter's proto format: each request after its
// 4-byte big-endian length. Returns { requests, spans }.
export function lengthPrefixedSpans(buf) {
  let requests = 0;
  let spans = 0;
  let i = 0;
  while (i < buf.length) {
    if (i + 4 > buf.length) throw new Error('truncated length prefix');
    const len = buf.readUInt32BE(i);
    i += 4;
    if (i + len > buf.length) throw new Error('truncated request');
    spans += requestSpans(buf, i, i + len);
    requests++;
    i += len;
  }
  return { requests, spans };
}

// Rows of a Parquet file (the trace table: one row per span), read from its
// footer: FileMetaData's num_rows (field 3), through the Thrift compact
// protocol, skipping the fields before it.
export function parquetRows(buf) {
  const n = buf.length;
  if (n < 12 || buf.toString('latin1', n - 4) !== 'PAR1') throw new Error('not a Parquet file');
  const len = buf.readUInt32LE(n - 8);
  const at = { i: n - 8 - len };
  const zigzag = (v) => (v % 2 ? -(v + 1) / 2 : v / 2);
  const skip = (type) => {
    switch (type) {
      case 1: case 2: return; // booleans in a field header
      case 3: at.i += 1; return;
      case 4: case 5: case 6: varint(buf, at); return;
      case 7: at.i += 8; return;
      case 8: { const l = varint(buf, at); at.i += l; return; }
      case 9: case 10: {
        const h = buf[at.i++];
        const size = (h >> 4) === 15 ? varint(buf, at) : h >> 4;
        for (let k = 0; k < size; k++) {
          if ((h & 15) <= 2) at.i++;
          else skip(h & 15);
        }
        return;
      }
      case 11: {
        const size = varint(buf, at);
        if (!size) return;
        const kv = buf[at.i++];
        for (let k = 0; k < size; k++) { skip(kv >> 4); skip(kv & 15); }
        return;
      }
      case 12: for (let id = 0; ;) {
        const h = buf[at.i++];
        if (h === 0) return;
        id = (h >> 4) ? id + (h >> 4) : zigzag(varint(buf, at));
        skip(h & 15);
      }
      default: throw new Error(`Thrift type ${type} in a Parquet footer`);
    }
  };
  for (let id = 0; ;) {
    const h = buf[at.i++];
    if (h === 0) throw new Error('a Parquet footer without num_rows');
    id = (h >> 4) ? id + (h >> 4) : zigzag(varint(buf, at));
    if (id === 3 && (h & 15) === 6) return zigzag(varint(buf, at));
    skip(h & 15);
  }
}
