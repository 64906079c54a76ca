// Synthetic traces for the tests of what otelc learns from spans: spans of
// known ids, kinds and durations, a service's spans as one OTLP/JSON
// request, and the ports the tests need.
import net from 'node:net';
import assert from 'node:assert/strict';

export const SERVER = 2;
export const CLIENT = 3;

const MS = 1000000n;
const hex = (n, width) => n.toString(16).padStart(width, '0');

// One span starting at t0 (ns, BigInt): trace and span numbers become ids;
// parent 0 is a root; ms may have a fraction.
export function span(t0, trace, id, parent, name, kind, ms, { error = false, attributes = [] } = {}) {
  const s = {
    traceId: hex(trace, 32), spanId: hex(id, 16), name, kind,
    startTimeUnixNano: String(t0),
    endTimeUnixNano: String(t0 + BigInt(Math.round(ms * 1e6)) * MS / 1000000n),
    attributes: attributes.map(([key, v]) => ({ key, value: { stringValue: v } })),
  };
  if (parent) s.parentSpanId = hex(parent, 16);
  if (error) s.status = { code: 2 };
  return s;
}

// A service's spans as one export request.
export const requestOf = (service, spans) => JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [{ scope: { name: 'shop' }, spans }],
  }],
});

export const postJson = (port, service, spans) => fetch(`http://127.0.0.1:${port}/v1/traces`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: requestOf(service, spans),
});

// A port nothing listens on now (for endpoints two components share,
// which port 0 cannot give).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// The port of a listener otelc logged.
export function listenPort(o, re) {
  const m = o.log.match(re);
  assert.ok(m, `no listening line ${re} in the log:\n${o.log}`);
  return Number(m[1]);
}
