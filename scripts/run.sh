#!/usr/bin/env bash
# `make run`: the default pipeline end to end. Starts the local
# S3-compatible server (s3rver, 127.0.0.1:4566, bucket
# ${STORAGE_BUCKET:-my-test-bucket}) in the background and otelc with the
# shipped pipelines.yaml in the foreground. otelc gets the local server's
# credentials, never the user's own AWS ones. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
mkdir -p data/queue data/s3

# s3rver encrypts the continuation token of a listing longer than 1,000
# keys with DES, which OpenSSL 3 has only in its legacy provider.
node --openssl-legacy-provider scripts/s3server.mjs &
s3_pid=$!
trap 'kill "$s3_pid" 2>/dev/null; wait "$s3_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/"${S3_PORT:-4566}") 2>/dev/null && break
  sleep 0.1
done

# The local server's fixed key pair (it checks signatures made with it).
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN AWS_PROFILE
"$build/otelc" --config pipelines.yaml --plugin-dir "$build/plugins.d" "$@"
