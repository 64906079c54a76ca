// The metadata extractor's page served by the real binary, in headless
// Chromium: traces of known shape (frontend → cart → postgresql, known only
// from cart's client span; frontend → checkout → payment, two of the four
// payments failing) go in over OTLP/HTTP, then /ui/ must load without a
// console error and draw exactly those services and edges. It writes the
// screenshot of the README to docs/img/extractor-ui.png when
// OTELC_UPDATE_SCREENSHOT=1, else to a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, get, eventually } from './lib/harness.mjs';
import { traffic, send, otlpHttpPort, freePort, MS } from './lib/traces.mjs';
import { loadPage, skipWithoutChromium } from './lib/browser.mjs';
import { PAGE_FACTS } from './lib/ui_fixture.mjs';

const SOURCE = process.env.OTELC_SOURCE_DIR || join(dirname(fileURLToPath(import.meta.url)), '../..');

const config = (port) => `
receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
processors:
  metadata_extractor:
    endpoint: "127.0.0.1:${port}"
    anomalies: { error_min_calls: 2 }   # so that the two failed payments of four are one
exporters:
  debug: { verbosity: basic }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [metadata_extractor], exporters: [debug] }
`;

const SERVICES = ['cart', 'checkout', 'frontend', 'payment', 'postgresql'];
const EDGES = [
  { parent: 'cart', child: 'postgresql', calls: 5, errors: 0 },
  { parent: 'checkout', child: 'payment', calls: 4, errors: 2 },
  { parent: 'frontend', child: 'cart', calls: 5, errors: 0 },
  { parent: 'frontend', child: 'checkout', calls: 4, errors: 0 },
];
const key = (e) => `${e.parent}→${e.child}`;

// The edges of /api/metadata/services, from the callers' side.
const apiEdges = (body) => (body?.services || []).flatMap((s) =>
  (s.downstream || []).map((d) => ({ parent: s.name, child: d.service, calls: d.calls, errors: d.errors })))
  .sort((a, b) => key(a).localeCompare(key(b)));

test('/ui/ draws the service graph, table and anomalies of the traces received', async (t) => {
  if (skipWithoutChromium(t)) return;
  const port = await freePort();
  const o = await start(config(port));
  t.after(() => o.stop());
  const api = (path) => get(`http://127.0.0.1:${port}${path}`);

  const ui = await api('/ui/');
  assert.equal(ui.status, 200, `GET /ui/ on the extractor's endpoint: ${ui.status} ${ui.text.slice(0, 200)}`);
  assert.match(ui.headers.get('content-type') || '', /^text\/html/);
  assert.equal((await api('/ui')).text, ui.text, '/ui is the same page');

  // now-relative: the extractor's windows follow span time near the clock
  const by = traffic({ db: [['db.system', 'postgresql']], start: BigInt(Date.now() - 5000) * MS });
  await send(otlpHttpPort(o), by);
  let body;
  const settled = await eventually(async () => {
    body = (await api('/api/metadata/services')).json;
    return JSON.stringify(apiEdges(body)) === JSON.stringify(EDGES);
  }, { timeoutMs: 15000, everyMs: 200 });
  assert.ok(settled, `the API never showed the edges sent:\n${JSON.stringify(body, null, 1)}`);

  const update = process.env.OTELC_UPDATE_SCREENSHOT === '1';
  const png = update ? join(SOURCE, 'docs/img/extractor-ui.png') : join(mkdtempSync(join(tmpdir(), 'otelc-ui-')), 'extractor-ui.png');
  mkdirSync(dirname(png), { recursive: true });
  const r = await loadPage(`http://127.0.0.1:${port}/ui/`, { evaluate: PAGE_FACTS, screenshot: png });
  assert.equal(r.status, 200);
  assert.deepEqual(r.errors, [], 'no console error, no uncaught exception');
  assert.ok(r.ready, `the page never signalled ready:\n${r.html.slice(0, 2000)}`);
  const page = r.value;
  assert.equal(page.error, '');

  assert.deepEqual(page.nodes.map((n) => n.service).sort(), SERVICES);
  assert.deepEqual(page.nodes.filter((n) => n.virtual).map((n) => n.service), ['postgresql']);
  assert.deepEqual(page.edges.map(({ parent, child, calls, errors }) => ({ parent, child, calls, errors }))
    .sort((a, b) => key(a).localeCompare(key(b))), EDGES);
  for (const e of page.edges) assert.equal(e.error, e.errors > 0, `${key(e)}: class error only with errors`);
  assert.deepEqual(page.edges.filter((e) => e.error).map(key), ['checkout→payment']);
  assert.deepEqual(page.rows.map((x) => x.service), SERVICES, 'one row per service, by name');
  assert.deepEqual(page.rows.find((x) => x.service === 'postgresql').cells.slice(1, 6),
    ['—', '—', '—', '—', '—'], 'a virtual node has no figures of its own');

  // the third payment fails: 1 of 3, over the threshold; the fourth joins it
  const failed = [8, 9].map((t) => `/api/traces/${t.toString(16).padStart(32, '0')}`);
  assert.deepEqual(page.anomalies.map(({ kind, service, operation, links }) =>
    ({ kind, service, operation, links })).sort((a, b) => a.service.localeCompare(b.service)), [
    { kind: 'error_rate', service: 'checkout', operation: 'charge', links: failed },
    { kind: 'error_rate', service: 'payment', operation: 'charge', links: failed },
  ]);

  assert.ok(statSync(png).size > 10000, `a screenshot at ${png}`);
});
