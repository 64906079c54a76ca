// Synthetic traces of a small shop for the tests of what otelc learns from
// spans (the service graph, span metrics, the metadata extractor):
// frontend → cart → a database, frontend → checkout → payment, built as
// OTLP/JSON spans grouped by service and sent to an OTLP/HTTP receiver;
// and the ports such tests need.
import net from 'node:net';

export const MS = 1000000n;
export const T0 = 1700000000000000000n;
export const SERVER = 2;
export const CLIENT = 3;

export const hex = (n, width) => n.toString(16).padStart(width, '0');

// One span: trace and span numbers become ids; parent 0 is a root. It
// starts at `start` (ns since the epoch) and lasts ms milliseconds (a
// fraction is kept to the nanosecond).
export function span(trace, id, parent, name, kind, ms, { error = false, attributes = [], start = T0 } = {}) {
  const s = {
    traceId: hex(trace, 32), spanId: hex(id, 16), name, kind,
    startTimeUnixNano: String(start), endTimeUnixNano: String(start + BigInt(Math.round(ms * 1e6))),
    attributes: attributes.map(([key, v]) => ({ key, value: { stringValue: v } })),
  };
  if (parent) s.parentSpanId = hex(parent, 16);
  if (error) s.status = { code: 2 };
  return s;
}

// An ExportTraceServiceRequest in OTLP/JSON: one service's spans.
export const request = (service, spans) => JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [{ scope: { name: 'shop' }, spans }],
  }],
});

// Five cart traces and four checkout traces, by service. In checkout
// traces 3 and 4 the payment fails (both spans of that call are errors).
// db: the attributes of cart's client span to its database; start: the
// spans' start time (ns since the epoch).
export function traffic({ db = [['db.name', 'cartdb'], ['db.system', 'postgresql']], start = T0 } = {}) {
  const by = { frontend: [], cart: [], checkout: [], payment: [] };
  for (let t = 1; t <= 5; t++) {
    const b = t * 10;
    by.frontend.push(span(t, b + 1, 0, 'GET /cart', SERVER, 40, { start }),
      span(t, b + 2, b + 1, 'GET cart', CLIENT, 30, { start }));
    by.cart.push(span(t, b + 3, b + 2, 'GET /cart', SERVER, 25, { start }),
      span(t, b + 4, b + 3, 'SELECT cart', CLIENT, 5, { attributes: db, start }));
  }
  for (let t = 6; t <= 9; t++) {
    const b = t * 10;
    const failed = t >= 8;
    by.frontend.push(span(t, b + 1, 0, 'POST /checkout', SERVER, 90, { start }),
      span(t, b + 2, b + 1, 'POST checkout', CLIENT, 80, { start }));
    by.checkout.push(span(t, b + 3, b + 2, 'POST /checkout', SERVER, 70, { start }),
      span(t, b + 4, b + 3, 'charge', CLIENT, 50, { error: failed, start }));
    by.payment.push(span(t, b + 5, b + 4, 'charge', SERVER, 40, { error: failed, start }));
  }
  return by;
}

// The port of a listener otelc logged (re captures it).
export function listenPort(o, re) {
  const m = o.log.match(re);
  if (!m) throw new Error(`no listening line ${re} in the log:\n${o.log}`);
  return Number(m[1]);
}

// The port an otelc instance's OTLP/HTTP receiver listens on, from its log.
export const otlpHttpPort = (o) => listenPort(o, /otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/);

// Sends each service's spans in requests of at most `chunk` spans, the
// services in the given order (called services first: every server span
// then waits for its client). Throws unless each is answered 200.
export async function send(port, by, { order = ['payment', 'cart', 'checkout', 'frontend'], chunk = Infinity } = {}) {
  for (const svc of order) {
    for (let i = 0; i < by[svc].length; i += chunk) {
      const r = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: request(svc, by[svc].slice(i, i + chunk)), signal: AbortSignal.timeout(10000),
      });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`POST /v1/traces (${svc}): ${r.status} ${text}`);
    }
  }
}

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
