#!/usr/bin/env bash
# `npm run dev`: a local Temporal dev server (Web UI on :8233, state in .data/) plus chatmem,
# against the PostgreSQL in DATABASE_URL (default: 127.0.0.1:5432). Ctrl-C stops both.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p .data

if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  temporal="$(bash scripts/install-temporal-cli.sh | tail -n 1)"
  "$temporal" server start-dev --ip 127.0.0.1 --port 7233 --ui-port 8233 \
    --db-filename .data/temporal.sqlite --log-level warn &
  temporal_pid=$!
  trap 'kill "$temporal_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do (echo >/dev/tcp/127.0.0.1/7233) 2>/dev/null && break; sleep 0.5; done
  export TEMPORAL_ADDRESS=127.0.0.1:7233
  echo "Temporal Web UI: http://127.0.0.1:8233"
fi

npx tsx src/main.ts
