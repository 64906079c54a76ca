// A stand-in for the metadata extractor's HTTP side, for testing its page
// without the collector: serves processors/metadata_extractor/ui/index.html
// at /ui/ (and /ui) and canned JSON in the extractor's shapes at
// /api/metadata/services and /api/anomalies.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const PAGE = join(ROOT, 'processors/metadata_extractor/ui/index.html');

const END = 1700000900000;
const START = END - 15 * 60 * 1000;

// A shop of ten services and two databases: [parent, child, calls, errors,
// latency share of the child in the parent's time].
export const EDGES = [
  ['frontend', 'cart', 3000, 30, 0.35], ['frontend', 'checkout', 900, 0, 0.4],
  ['frontend', 'catalog', 5400, 0, 0.3], ['frontend', 'recommendation', 2700, 0, 0.15],
  ['cart', 'redis', 6000, 0, 0.3], ['catalog', 'postgresql', 5400, 0, 0.55],
  ['recommendation', 'catalog', 2700, 0, 0.6], ['checkout', 'payment', 900, 81, 0.45],
  ['checkout', 'shipping', 900, 0, 0.2], ['checkout', 'email', 900, 0, 0.05],
  ['checkout', 'cart', 900, 0, 0.1], ['shipping', 'postgresql', 1800, 0, 0.5],
  ['payment', 'fraud', 900, 1, 0.3],
];
const VIRTUAL = new Set(['redis', 'postgresql']);

// The body of /api/metadata/services for EDGES.
export function services(edges = EDGES) {
  const names = [...new Set(edges.flatMap(([p, c]) => [p, c]))].sort();
  const secs = (END - START) / 1000;
  return {
    window: { start: START, end: END },
    services: names.map((name, i) => {
      const upstream = edges.filter(([, c]) => c === name)
        .map(([service, , calls, errors]) => ({ service, calls, errors }));
      const downstream = edges.filter(([p]) => p === name)
        .map(([, service, calls, errors, latency_share]) => ({ service, calls, errors, latency_share }));
      if (VIRTUAL.has(name)) {
        return { name, virtual: true, calls: 0, rate: 0, errors: 0, error_rate: 0, operations: [], upstream, downstream };
      }
      const calls = upstream.reduce((a, u) => a + u.calls, 0) || 9000;
      const errors = upstream.reduce((a, u) => a + u.errors, 0);
      const p50 = 4 + 7 * i;
      const figures = (c, e, f) => ({ calls: c, rate: +(c / secs).toFixed(3), errors: e,
        error_rate: +(e / c).toFixed(4), p50_ms: p50 * f, p95_ms: p50 * f * 1.8, p99_ms: p50 * f * 2.6 });
      const operations = [
        { name: `GET /${name}`, ...figures(Math.round(calls * 0.7), Math.round(errors * 0.7), 0.8) },
        { name: `POST /${name}`, ...figures(calls - Math.round(calls * 0.7), errors - Math.round(errors * 0.7), 1.4) },
      ];
      return { name, virtual: false, ...figures(calls, errors, 1), operations, upstream, downstream };
    }),
  };
}

// The body of /api/anomalies: newest first.
export const ANOMALIES = {
  anomalies: [
    { kind: 'error_rate', service: 'payment', operation: 'POST /charge', time: END - 60000, count: 12,
      error_rate: 0.6, baseline_error_rate: 0.0, threshold: 0.2,
      traces: ['4bf92f3577b34da6a3ce929d0e0e4736', '5b8aa5a2d2c872e8321cf37308d69df2'] },
    { kind: 'latency', service: 'cart', operation: 'GET /cart', time: END - 300000, count: 1,
      value_ms: 512.0, p99_ms: 21.0, threshold_ms: 63.0, factor: 24.4, traces: ['0af7651916cd43dd8448eb211c80319c'] },
  ],
};

// Starts the server on a free port: { url(path), requests, close() }.
// routes: overrides by path, each a function (req, res) or a JSON body.
export async function startFixture(routes = {}) {
  const requests = [];
  const table = {
    '/ui/': (req, res) => { res.setHeader('content-type', 'text/html; charset=utf-8'); res.end(readFileSync(PAGE)); },
    '/api/metadata/services': services(),
    '/api/anomalies': ANOMALIES,
    ...routes,
  };
  table['/ui'] ??= table['/ui/'];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    requests.push(req.url);
    const route = table[path];
    if (typeof route === 'function') return route(req, res);
    if (route === undefined) { res.statusCode = 404; return res.end('not found\n'); }
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify(route));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

// An expression for loadPage's `evaluate`: what the tests read off the
// extractor's page (nodes with their centre and size, edges, table rows,
// anomalies, the #error text, the graph's viewBox).
export const PAGE_FACTS = `(${() => {
  const all = (sel) => [...document.querySelectorAll(sel)];
  return {
    nodes: all('#graph g.node').map((g) => {
      const [, x, y] = g.getAttribute('transform').match(/translate\(([-\d.]+),([-\d.]+)\)/);
      const box = g.querySelector('circle, rect').getBBox();
      return { service: g.dataset.service, virtual: g.classList.contains('virtual'),
        error: g.classList.contains('error'), x: +x, y: +y, r: box.width / 2,
        label: g.querySelector('text').textContent };
    }),
    edges: all('#graph path.edge').map((p) => ({ parent: p.dataset.parent, child: p.dataset.child,
      calls: +p.dataset.calls, errors: +p.dataset.errors, error: p.classList.contains('error'),
      width: +p.getAttribute('stroke-width'), stroke: getComputedStyle(p).stroke,
      marker: p.getAttribute('marker-end') })),
    viewBox: document.getElementById('graph').getAttribute('viewBox'),
    rows: all('#services tr[data-service]').map((tr) => ({ service: tr.dataset.service,
      cells: [...tr.cells].map((td) => td.textContent.trim()) })),
    anomalies: all('#anomalies li.anomaly').map((li) => ({ kind: li.dataset.kind, service: li.dataset.service,
      operation: li.dataset.operation, text: li.textContent,
      links: [...li.querySelectorAll('a')].map((a) => a.getAttribute('href')) })),
    error: document.getElementById('error').textContent,
  };
}})()`;
