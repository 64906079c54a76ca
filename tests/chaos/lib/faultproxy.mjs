// A fault-injecting HTTP proxy on loopback, between otelc and the S3
// server. Modes, switched at any time with setMode():
//   pass                forward every request (keep-alive to the server);
//                       when the server is away, the client's connection
//                       is reset, as an unreachable S3 looks to it
//   error {status, code}  answer every request with an S3 error document
//                       (500 InternalError, 503 SlowDown, ...) without
//                       forwarding it
//   slow {minMs, maxMs} forward, but hold each request a random time first
//                       (longer than the exporter's timeout, some of them)
// counts: requests seen per mode.
import http from 'node:http';

export async function startFaultProxy(upstreamPort) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const p = { mode: 'pass', opts: {}, counts: {}, upstreamPort };
  // Bodies are read whole before anything is forwarded, so a client that
  // gives up mid-request never leaves a half-written object behind (the
  // S3 server writes objects in place); a request the client gave up on
  // while held is still forwarded whole, as S3 may finish a request its
  // client stopped waiting for.
  const forward = (req, body, res) => {
    const { expect, connection, ...headers } = req.headers; // hop by hop: this proxy answers 100-continue
    const up = http.request({ host: '127.0.0.1', port: p.upstreamPort(), method: req.method, path: req.url,
      headers, agent }, (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
      ur.on('error', () => res.destroy());
    });
    up.on('error', () => { req.socket.destroy(); });
    up.end(body);
  };
  const answer = (req, body, res) => {
    const { mode, opts } = p;
    p.counts[mode] = (p.counts[mode] || 0) + 1;
    if (mode === 'error') {
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${opts.code}</Code>` +
        `<Message>injected by the test proxy</Message><RequestId>chaos</RequestId></Error>`;
      res.writeHead(opts.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
      res.end(xml);
    } else if (mode === 'slow') {
      setTimeout(() => forward(req, body, res), opts.minMs + Math.random() * (opts.maxMs - opts.minMs));
    } else {
      forward(req, body, res);
    }
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => answer(req, Buffer.concat(chunks), res));
    req.on('error', () => {});
    res.on('error', () => {});
  });
  server.keepAliveTimeout = 60000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  p.port = server.address().port;
  p.endpoint = `http://127.0.0.1:${p.port}`;
  p.setMode = (mode, opts = {}) => { p.mode = mode; p.opts = opts; };
  p.stop = async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return p;
}
