// The file_storage extension's collector keys in the real host: every
// key validates; directory_permissions is checked as the collector checks
// it; max_size caps the disk budget of the queues it holds; recreate
// moves an unreadable data.mdb aside and starts with an empty queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, run, writeConfig, tempDir, get } from './lib/harness.mjs';

const config = (storage, queue = '') => `
receivers:
  testsource:
exporters:
  testsink:
    sending_queue: { storage: file_storage${queue} }
extensions:
  file_storage:
${storage}
service:
  extensions: [file_storage]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [testsink]
`;

test('every collector key of file_storage validates', async () => {
  const all = `    directory: /var/lib/otelc-test-never-created
    timeout: 2s
    fsync: false
    create_directory: true
    directory_permissions: "0700"
    recreate: true
    max_size: 67108864
    compaction: { on_start: true, directory: /tmp, max_transaction_size: 65536 }`;
  const r = await run(['validate', '--config', writeConfig(config(all))]);
  assert.equal(r.code, 0, r.stderr);
});

test('directory_permissions: the collector\'s checks, made when directories may be created', async () => {
  const perms = (p, create) => writeConfig(config(`    directory: /tmp\n    create_directory: ${create}\n    directory_permissions: "${p}"`));
  let r = await run(['validate', '--config', perms('0800', true)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /key 'extensions\.file_storage\.directory_permissions'.*directory_permissions value must be a valid octal representation/);
  r = await run(['validate', '--config', perms('4750', true)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /directory_permissions contain invalid bits for file access/);
  r = await run(['validate', '--config', perms('0800', false)]);
  assert.equal(r.code, 0, r.stderr);
});

test('max_size caps each queue\'s disk budget; recreate moves a damaged data.mdb aside', async () => {
  const dir = join(tempDir(), 'queue');
  mkdirSync(dir);
  writeFileSync(join(dir, 'data.mdb'), 'this is not a database at all. '.repeat(100));
  const keys = (more) => `    directory: "${dir}"\n${more}`;
  await assert.rejects(start(config(keys('')), { timeoutMs: 5000 }),
    /data\.mdb is not a usable queue file .*or set recreate: true/);

  const o = await start(config(keys('    recreate: true\n    max_size: 8MiB'), ', max_disk_size: 1GiB'));
  assert.match(o.log, /data\.mdb was not a usable queue file .*moved to .*data\.mdb\.\d+\.backup \(recreate\), the queue starts empty/);
  const text = (await get(o.url('/metrics'))).text;
  assert.match(text, /^otelc_exporter_queue_disk_budget_bytes\{exporter="testsink"\} 8388608$/m);
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);
  const backups = readdirSync(dir).filter((f) => f.endsWith('.backup'));
  assert.equal(backups.length, 1);
  assert.match(readFileSync(join(dir, backups[0]), 'utf8'), /not a database/);
});
