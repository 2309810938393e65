#!/usr/bin/env bash
# Fetches the InceptionV3 shipped in npm nsfwjs@4.4.0 (MIT licence; TF.js layers model, uint8-quantised
# weights, fine-tuned for another task: NOT the ImageNet FID network) into a local model cache, and
# unpacks its browserify bundles (model.min.js, group1-shard*.min.js: JSON + base64 strings) into a
# standard TF.js layers folder: model.json + binary weight shards.
# Usage: fetch_nsfwjs_inception.sh [CACHE_DIR] [--h5]   (default $UMSYNTH_MODEL_CACHE or ~/.cache/umsynth/models)
#   --h5: also write Keras .h5 copies (model.h5, weights.h5) for the .h5 import test; installs
#         Debian python3-h5py when missing.
# Needs: npm, node.
set -euo pipefail
H5=0; ARGS=()
for a in "$@"; do if [[ "$a" == "--h5" ]]; then H5=1; else ARGS+=("$a"); fi; done
CACHE="${ARGS[0]:-${UMSYNTH_MODEL_CACHE:-$HOME/.cache/umsynth/models}}"
DEST="$CACHE/nsfwjs-4.4.0-inception_v3"
HERE="$(cd "$(dirname "$0")" && pwd)"
make_h5() {
  if (( H5 )) && [[ ! -f "$DEST/model.h5" ]]; then
    /usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null || { apt-get update -q && apt-get install -y -q python3-h5py python3-numpy; }
    /usr/bin/python3 "$HERE/tfjs_to_keras_h5.py" "$DEST"
  fi
}
if [[ -f "$DEST/model.json" ]]; then make_h5; echo "$DEST"; exit 0; fi
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
( cd "$WORK" && npm pack --silent nsfwjs@4.4.0 >/dev/null && tar xzf nsfwjs-4.4.0.tgz )
SRC="$WORK/package/dist/models/inception_v3"
mkdir -p "$DEST.tmp"
node - "$SRC" "$DEST.tmp" <<'JS'
const fs = require('fs'), path = require('path');
const [src, dst] = process.argv.slice(2);
const model = require(path.join(src, 'model.min.js'));
for (const group of model.weightsManifest) {
  for (const p of group.paths) {
    const b64 = require(path.join(src, p + '.min.js'));
    if (typeof b64 !== 'string') throw new Error('unexpected shard bundle ' + p);
    fs.writeFileSync(path.join(dst, p), Buffer.from(b64, 'base64'));
  }
}
fs.writeFileSync(path.join(dst, 'model.json'), JSON.stringify({
  format: 'layers-model', generatedBy: 'nsfwjs@4.4.0 dist/models/inception_v3 (unbundled by umsynth)',
  modelTopology: model.modelTopology, weightsManifest: model.weightsManifest }));
JS
cp "$WORK/package/LICENSE" "$DEST.tmp/LICENSE.nsfwjs"
mv "$DEST.tmp" "$DEST"
make_h5
echo "$DEST"
