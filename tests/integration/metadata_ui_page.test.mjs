// The metadata extractor's page (processors/metadata_extractor/ui/index.html)
// in headless Chromium against canned JSON in the extractor's shapes: the
// graph, table and anomalies it draws, a failed load shown on the page, and
// the check of lib/browser.mjs that console errors and uncaught exceptions
// fail a page. The same page against the real binary:
// metadata_ui.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPage, skipWithoutChromium } from './lib/browser.mjs';
import { startFixture, EDGES, ANOMALIES, PAGE_FACTS, services } from './lib/ui_fixture.mjs';

const sorted = (xs) => [...xs].sort();

test('the page draws the graph, the table and the anomalies of the JSON it reads', async (t) => {
  if (skipWithoutChromium(t)) return;
  const f = await startFixture();
  t.after(() => f.close());
  const png = join(mkdtempSync(join(tmpdir(), 'otelc-ui-')), 'page.png');
  const r = await loadPage(f.url('/ui/'), { evaluate: PAGE_FACTS, screenshot: png });
  assert.equal(r.status, 200);
  assert.deepEqual(r.errors, [], 'no console error, no uncaught exception');
  assert.ok(r.ready, 'the page signalled ready');
  const page = r.value;
  assert.equal(page.error, '');
  assert.ok(f.requests.includes('/api/metadata/services'), f.requests.join(' '));
  assert.ok(f.requests.some((u) => u.startsWith('/api/anomalies')), f.requests.join(' '));

  const names = sorted(new Set(EDGES.flatMap(([p, c]) => [p, c])));
  assert.deepEqual(sorted(page.nodes.map((n) => n.service)), names);
  const node = Object.fromEntries(page.nodes.map((n) => [n.service, n]));
  assert.deepEqual(sorted(page.nodes.filter((n) => n.virtual).map((n) => n.service)), ['postgresql', 'redis']);
  assert.deepEqual(sorted(page.nodes.filter((n) => n.error).map((n) => n.service)), ['cart', 'fraud', 'payment']);
  assert.equal(node.frontend.label, 'frontend');
  // sized by rate: frontend 10/s, email 1/s
  assert.ok(node.frontend.r > node.email.r + 5, `${node.frontend.r} vs ${node.email.r}`);
  // left to right by longest path from frontend
  assert.ok(node.frontend.x < node.checkout.x && node.checkout.x < node.payment.x && node.payment.x < node.fraud.x);
  assert.ok(node.recommendation.x < node.catalog.x, 'catalog is after recommendation, which calls it');
  // tidy: every node inside the picture and no two nodes overlapping
  const [, , w, h] = page.viewBox.split(' ').map(Number);
  for (const n of page.nodes) {
    assert.ok(n.x - n.r >= 0 && n.x + n.r <= w && n.y - n.r >= 0 && n.y + n.r + 30 <= h, `${n.service} inside`);
    for (const m of page.nodes) {
      if (m !== n) assert.ok(Math.hypot(n.x - m.x, n.y - m.y) > n.r + m.r + 20, `${n.service} and ${m.service} apart`);
    }
  }

  const key = (e) => `${e.parent}→${e.child}`;
  assert.deepEqual(sorted(page.edges.map(key)), sorted(EDGES.map(([p, c]) => `${p}→${c}`)));
  const edge = Object.fromEntries(page.edges.map((e) => [key(e), e]));
  for (const [p, c, calls, errors] of EDGES) {
    const e = edge[`${p}→${c}`];
    assert.equal(e.calls, calls, `${p}→${c} calls`);
    assert.equal(e.errors, errors, `${p}→${c} errors`);
    assert.equal(e.error, errors > 0, `${p}→${c} class error`);
    assert.equal(e.stroke, errors > 0 ? 'rgb(209, 52, 43)' : 'rgb(163, 175, 187)', `${p}→${c} colour`);
    assert.match(e.marker, /^url\(#arrow/);
  }
  // width by calls: 6000 calls against 900
  assert.ok(edge['cart→redis'].width > edge['checkout→email'].width + 1);

  const body = services();
  assert.deepEqual(page.rows.map((x) => x.service), body.services.map((s) => s.name));
  const row = Object.fromEntries(page.rows.map((x) => [x.service, x.cells]));
  // name, rate, errors, p50, p95, p99, upstream, downstream
  assert.deepEqual(row.payment.slice(0, 6), ['payment', '1.00', '9.0% (81)', '46.0', '82.8', '120']);
  assert.equal(row.payment[6], 'checkout (900, 81 failed)');
  assert.equal(row.checkout[7],
    'payment (900, 81 failed · 45.0%), shipping (900 · 20.0%), email (900 · 5.0%), cart (900 · 10.0%)');
  assert.deepEqual(row.redis.slice(0, 3), ['redisvirtual', '—', '—']);

  assert.deepEqual(page.anomalies.map((a) => [a.kind, a.service, a.operation]),
    ANOMALIES.anomalies.map((a) => [a.kind, a.service, a.operation]));
  const [rate, slow] = page.anomalies;
  assert.match(slow.text, /cart GET \/cart took 512 ms, 24\.4× its p99 of 21 ms/);
  assert.match(rate.text, /payment POST \/charge error rate up to 60\.0%, over the threshold of 20\.0% \(before: 0%\); 12 failed calls/);
  assert.match(slow.text, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, 'the time, local');
  assert.deepEqual(slow.links, ['/api/traces/0af7651916cd43dd8448eb211c80319c']);
  assert.deepEqual(rate.links, ANOMALIES.anomalies[0].traces.map((id) => `/api/traces/${id}`));

  assert.ok(statSync(png).size > 20000, 'a screenshot of the page');
});

test('the page served at /ui (no slash) and with no spans yet says so, without an error', async (t) => {
  if (skipWithoutChromium(t)) return;
  const f = await startFixture({ '/api/metadata/services': { window: {}, services: [] }, '/api/anomalies': { anomalies: [] } });
  t.after(() => f.close());
  const r = await loadPage(f.url('/ui'), { evaluate: PAGE_FACTS });
  assert.deepEqual(r.errors, []);
  assert.ok(r.ready);
  assert.deepEqual([r.value.nodes, r.value.edges, r.value.rows, r.value.anomalies], [[], [], [], []]);
  assert.match(r.html, /No spans received yet/);
  assert.match(r.html, /No anomalies in this window/);
});

test('a failed load is shown on the page, and lib/browser.mjs reports it', async (t) => {
  if (skipWithoutChromium(t)) return;
  const f = await startFixture({
    '/api/metadata/services': (req, res) => { res.statusCode = 503; res.end('store unavailable'); },
  });
  t.after(() => f.close());
  const r = await loadPage(f.url('/ui/'), { until: 'document.getElementById("error").textContent', evaluate: PAGE_FACTS });
  assert.equal(r.status, 200);
  assert.equal(r.ready, true, 'the error appeared');
  assert.match(r.value.error, /Could not load the service data: \/api\/metadata\/services: HTTP 503 store unavailable/);
  assert.doesNotMatch(r.html, /data-ready/, 'not ready: nothing was drawn');
  assert.ok(r.errors.some((e) => /status of 503/.test(e)), r.errors.join('\n'));
});

test('lib/browser.mjs fails a page with a console error, an uncaught exception or a failed request', async (t) => {
  if (skipWithoutChromium(t)) return;
  const page = (script) => (req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><link rel="icon" href="data:,"><body><script>${script}
      setTimeout(() => { document.body.dataset.ready = "1"; }, 200);</script>`);
  };
  const f = await startFixture({
    '/clean': page('console.log("a log line"); console.warn("a warning");'),
    '/console': page('console.error("it broke", 42);'),
    '/throws': page('setTimeout(() => { undefinedFunction(); });'),
    '/rejects': page('Promise.reject(new Error("nobody waits"));'),
    '/missing': page('fetch("/nothing-here");'),
  });
  t.after(() => f.close());
  const errors = async (path) => (await loadPage(f.url(path))).errors;
  assert.deepEqual(await errors('/clean'), []);
  assert.deepEqual(await errors('/console'), ['console.error: it broke 42']);
  assert.match((await errors('/throws')).join('\n'), /^Uncaught ReferenceError: undefinedFunction is not defined/);
  assert.match((await errors('/rejects')).join('\n'), /^Uncaught \(in promise\) Error: nobody waits/);
  assert.match((await errors('/missing')).join('\n'), /status of 404 .*\/nothing-here/);
});
