// Config checks that need the plugins' key tables: each error names the
// file, line and column, and otelc exits 1 before starting anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, writeConfig } from './lib/harness.mjs';

const base = (exporter) => `receivers:
  testsource:
exporters:
${exporter}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [testsink]
`;

async function validate(yaml) {
  const file = writeConfig(yaml);
  const r = await run(['validate', '--config', file]);
  return { ...r, file };
}

test('a valid config of test plugins validates', async () => {
  const r = await validate(base('  testsink:\n    mode: pending\n    delay: 5ms'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /config is valid/);
});

test('unknown component type', async () => {
  const yaml = base('  testsink:').replace('  testsource:\n', '  testsource:\n  nosuch:\n')
    .replace('[testsource]', '[testsource, nosuch]');
  const r = await validate(yaml);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${r.file}:3:3: key 'receivers.nosuch': unknown receiver type "nosuch"`), r.stderr);
});

test('unknown key inside a component', async () => {
  const r = await validate(base('  testsink:\n    bogus: 1'));
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${r.file}:5:5: key 'exporters.testsink.bogus': unknown key for exporter testsink`), r.stderr);
});

test('collector key not supported yet', async () => {
  const r = await validate(base('  testsink:\n    compression: gzip'));
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${r.file}:5:5: key 'exporters.testsink.compression': collector key compression is not supported yet`), r.stderr);
});

test('a harmless collector key only warns', async () => {
  const r = await validate(base('  testsink:\n    encoding: json'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARN config: .*:5:5: .*collector key encoding is ignored/);
});

test('wrong type', async () => {
  const r = await validate(base('  testsink:\n    fail_start: maybe\n    delay: soon'));
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${r.file}:5:17: key 'exporters.testsink.fail_start'`), r.stderr);
  assert.ok(r.stderr.includes(`${r.file}:6:12: key 'exporters.testsink.delay'`), r.stderr);
});

test('an env value is typed by the key it lands in', async () => {
  const file = writeConfig(base('  testsink:\n    delay: ${env:SINK_DELAY}\n    fail_start: ${env:SINK_FAIL}'));
  const ok = await run(['validate', '--config', file], { env: { SINK_DELAY: '250ms', SINK_FAIL: 'false' } });
  assert.equal(ok.code, 0, ok.stderr);
  const bad = await run(['validate', '--config', file], { env: { SINK_DELAY: '250', SINK_FAIL: 'false' } });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /:5:12: key 'exporters.testsink.delay'/);
});

test('host-provided exporter keys are checked', async () => {
  const r = await validate(base('  testsink:\n    sending_queue: { num_consumers: 0, sizer: pages }\n    retry_on_failure: { initial_interval: 1s, bogus: 2 }'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /key 'exporters.testsink.sending_queue.num_consumers'/);
  assert.match(r.stderr, /key 'exporters.testsink.sending_queue.sizer'.*requests, items or bytes/);
  assert.match(r.stderr, /key 'exporters.testsink.retry_on_failure.bogus'/);
});

test('sending_queue.batch.partition: metadata_keys distinct; cardinality_limit not yet', async () => {
  const ok = await validate(base('  testsink:\n    sending_queue:\n      batch: { partition: { metadata_keys: [x-tenant, x-env] } }'));
  assert.equal(ok.code, 0, ok.stderr);
  const r = await validate(base('  testsink:\n    sending_queue:\n      batch: { partition: { metadata_keys: [x-tenant, X-Tenant], cardinality_limit: 10 } }'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /key 'exporters.testsink.sending_queue.batch.partition.metadata_keys.*duplicate metadata key X-Tenant/);
  assert.match(r.stderr, /partition.cardinality_limit is not supported yet/);
});

test('components the collector removed are named with its advice', async () => {
  const file = writeConfig(`
receivers:
  testsource:
processors:
  queued_retry:
exporters:
  logging:
    verbosity: detailed
extensions:
  memory_ballast: { size_mib: 64 }
service:
  extensions: [memory_ballast]
  pipelines:
    traces:
      receivers: [testsource]
      processors: [queued_retry]
      exporters: [logging]
`);
  const r = await run(['validate', '--config', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /key 'exporters.logging': the logging exporter has been deprecated, use the debug exporter instead/);
  assert.match(r.stderr, /key 'processors.queued_retry': the collector removed the queued_retry processor/);
  assert.match(r.stderr, /key 'extensions.memory_ballast': the collector removed the memory_ballast extension/);
});

test('file_storage takes the collector\'s compaction keys as a documented no-op', async () => {
  const yaml = (compaction) => `
receivers:
  testsource:
exporters:
  testsink:
    sending_queue: { storage: file_storage }
extensions:
  file_storage:
    directory: /var/lib/otelc-test-never-created
    compaction: ${compaction}
service:
  extensions: [file_storage]
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [testsink]
`;
  const ok = await run(['validate', '--config', writeConfig(yaml('{ on_start: true, on_rebound: true, directory: /tmp, rebound_needed_threshold_mib: 5, rebound_trigger_threshold_mib: 10, max_transaction_size: 65536, check_interval: 5s, cleanup_on_start: true }'))]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /compaction\.on_rebound is ignored by otelc/);
  const bad = await run(['validate', '--config', writeConfig(yaml('{ on_strat: true }'))]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /key 'extensions.file_storage.compaction.on_strat'/);
});
