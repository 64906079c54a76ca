// Loads a page in headless Chromium (Debian's package) for tests, with no
// npm package: Chromium is driven over its DevTools protocol on a pipe
// (--remote-debugging-pipe: it reads commands on fd 3 and writes answers
// and events on fd 4, each a JSON message ended by a NUL byte).
//
// The protocol, not the log on stderr, because Chromium's log does not
// tell console levels apart: console.log and console.error both print as
// `INFO:CONSOLE:<line>] "text", source: url (line)`, and only uncaught
// exceptions are recognisable there (their text begins with "Uncaught").
// The protocol reports each console call with its type, each uncaught
// exception or unhandled rejection, and each browser-side error (a fetch
// answered 404, a blocked resource) as a Log entry of level "error".
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

// Chromium's path (env CHROMIUM, else chromium on PATH), or null.
export function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return null;
}

// Skips test context t when Chromium is missing, except in CI (env CI
// set), where a missing browser fails the test instead. True if skipped.
export function skipWithoutChromium(t) {
  if (chromiumPath() || process.env.CI) return false;
  t.skip('chromium is not installed (scripts/setup.sh installs it)');
  return true;
}

// Loads url and waits until the expression `until` is true in the page (by
// default: the page set document.body.dataset.ready to "1"; a promise is
// awaited), or timeoutMs
// passed, or the document itself was not answered 2xx. Returns
//   { status, ready, html, errors, console, screenshot }
// status: the document's HTTP status; ready: whether `until` became true;
// html: the DOM serialized after that; errors: console.error/assert calls,
// uncaught exceptions and unhandled rejections, and browser errors, each a
// string; console: every console call as { type, text }; screenshot: the
// PNG's path when one was asked for (the whole page, width × at least
// height pixels); value: the value of the expression `evaluate` (JSON-like)
// evaluated in the page after the wait, when one was given.
export async function loadPage(url, {
  until = 'document.body && document.body.dataset.ready === "1"',
  evaluate = null, screenshot = null, width = 1280, height = 900, timeoutMs = 15000,
} = {}) {
  const bin = chromiumPath();
  if (!bin) throw new Error('chromium is not installed (scripts/setup.sh installs it)');
  const profile = mkdtempSync(join(tmpdir(), 'otelc-chromium-'));
  const proc = spawn(bin, [
    '--headless', '--no-sandbox', '--disable-gpu', '--remote-debugging-pipe',
    `--user-data-dir=${profile}`, '--no-first-run', '--no-default-browser-check',
    '--disable-extensions', '--disable-background-networking', '--disable-sync',
    '--hide-scrollbars', '--mute-audio', '--force-color-profile=srgb', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => proc.on('close', resolve));
  const kill = () => { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } };

  const cdp = connect(proc.stdio[3], proc.stdio[4]);
  const result = { status: 0, ready: false, html: '', errors: [], console: [], screenshot: null, value: undefined };
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`chromium: ${url} took more than ${timeoutMs + 10000} ms`)),
      timeoutMs + 10000);
  });
  const failed = new Promise((_, reject) => {
    proc.on('error', reject);
    exited.then((code) => reject(new Error(`chromium exited (${code}) early:\n${stderr}`)));
  });
  try {
    const run = drive(cdp, url, { until, expression: evaluate, screenshot, width, height, result, readyBy: Date.now() + timeoutMs });
    await Promise.race([deadline, failed, run]);
    return result;
  } finally {
    clearTimeout(timer);
    cdp.send('Browser.close').catch(() => {});
    const closed = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
    if (!closed) kill();
    await Promise.race([exited, sleep(2000)]);
    rmSync(profile, { recursive: true, force: true });
  }
}

async function drive(cdp, url, { until, expression, screenshot, width, height, result, readyBy }) {
  const { targetInfos } = await cdp.send('Target.getTargets');
  const page = targetInfos.find((t) => t.type === 'page');
  const tab = (await cdp.send('Target.attachToTarget', { targetId: page.targetId, flatten: true })).sessionId;
  const send = (method, params) => cdp.send(method, params, tab);
  let documentId = null;
  cdp.on(tab, (method, p) => {
    if (method === 'Runtime.consoleAPICalled') {
      const text = p.args.map((a) => (a.value !== undefined ? String(a.value) : a.description || a.type)).join(' ');
      result.console.push({ type: p.type, text });
      if (p.type === 'error' || p.type === 'assert') result.errors.push(`console.${p.type}: ${text}`);
    } else if (method === 'Runtime.exceptionThrown') {
      const d = p.exceptionDetails;
      result.errors.push(`${d.text} ${d.exception?.description || ''} (${d.url || ''}:${d.lineNumber + 1})`);
    } else if (method === 'Log.entryAdded' && p.entry.level === 'error') {
      result.errors.push(`${p.entry.source}: ${p.entry.text}${p.entry.url ? ` (${p.entry.url})` : ''}`);
    } else if (method === 'Network.requestWillBeSent' && p.type === 'Document' && !documentId) {
      documentId = p.requestId;
    } else if (method === 'Network.responseReceived' && p.requestId === documentId) {
      result.status = p.response.status;
    }
  });
  await send('Runtime.enable');
  await send('Log.enable');
  await send('Network.enable');
  await send('Page.enable');
  await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
  const loaded = new Promise((resolve) => cdp.on(tab, (m) => { if (m === 'Page.loadEventFired') resolve(); }));
  const nav = await send('Page.navigate', { url });
  if (nav.errorText) throw new Error(`chromium: ${url}: ${nav.errorText}`);
  await loaded;
  const evaluate = async (expr) => {
    const r = await send('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`evaluating ${expr.slice(0, 80)}: ${r.exceptionDetails.exception?.description}`);
    return r.result.value;
  };
  if (result.status >= 200 && result.status < 300) {
    while (!(result.ready = Boolean(await evaluate(`(async () => Boolean(await (${until})))()`))) && Date.now() < readyBy) await sleep(50);
  }
  result.html = await evaluate('document.documentElement.outerHTML');
  if (expression) result.value = await evaluate(expression);
  if (screenshot) {
    const h = Math.max(height, Math.ceil(await evaluate('document.documentElement.scrollHeight')));
    const shot = await send('Page.captureScreenshot', {
      format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width, height: h, scale: 1 },
    });
    writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
    result.screenshot = screenshot;
  }
}

// The protocol on a pair of pipes: send(method, params, tab) answers the
// result or rejects with the error; on(tab, fn) sees the events of a tab
// (the protocol's sessionId of an attached target; none: the browser's).
function connect(out, inp) {
  let next = 1;
  const pending = new Map();
  const listeners = [];
  let buf = Buffer.alloc(0);
  inp.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    let end;
    while ((end = buf.indexOf(0)) >= 0) {
      const msg = JSON.parse(buf.subarray(0, end).toString('utf8'));
      buf = buf.subarray(end + 1);
      if (msg.id && pending.has(msg.id)) {
        const { resolve, reject, method } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
        else resolve(msg.result);
      } else if (msg.method) {
        for (const l of listeners) if (l.tab === msg.sessionId) l.fn(msg.method, msg.params);
      }
    }
  });
  out.on('error', () => {});
  inp.on('close', () => {
    for (const { reject, method } of pending.values()) reject(new Error(`${method}: chromium closed the pipe`));
    pending.clear();
  });
  return {
    send(method, params = {}, tab) {
      const id = next++;
      const msg = { id, method, params };
      if (tab) msg.sessionId = tab;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, method });
        out.write(`${JSON.stringify(msg)}\0`);
      });
    },
    on(tab, fn) { listeners.push({ tab, fn }); },
  };
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
