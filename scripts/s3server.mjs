#!/usr/bin/env node
// A local S3-compatible server for `make run`: @20minutes/s3rver on
// 127.0.0.1:4566 (S3_PORT), bucket ${STORAGE_BUCKET:-my-test-bucket},
// objects kept under ./data/s3 (S3_DIR). It checks SigV4 signatures made
// with access key S3RVER and secret S3RVER. Stops on SIGINT or SIGTERM.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startS3, ACCESS_KEY_ID, SECRET_ACCESS_KEY } from '../tests/integration/lib/s3server.mjs';

const bucket = process.env.STORAGE_BUCKET || 'my-test-bucket';
const port = Number(process.env.S3_PORT || 4566);
const directory = resolve(process.env.S3_DIR || 'data/s3');
mkdirSync(directory, { recursive: true });

const s3 = await startS3({ bucket, port, directory });
console.log(`s3server: ${s3.endpoint} bucket ${bucket}, objects in ${directory}`);
console.log(`s3server: sign with AWS_ACCESS_KEY_ID=${ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY=${SECRET_ACCESS_KEY}`);

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await s3.stop();
    process.exit(0);
  });
}
