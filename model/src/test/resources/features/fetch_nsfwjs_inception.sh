#!/usr/bin/env bash
# Fetches the InceptionV3 and MobileNetV2 shipped in npm nsfwjs@4.4.0 (MIT licence; TF.js layers models,
# uint8-quantised weights, fine-tuned for image-content classification: NOT the ImageNet FID network) into
# a local model cache, and unpacks their browserify bundles (model.min.js, group1-shard*.min.js: JSON +
# base64 strings) into standard TF.js layers folders: model.json + binary weight shards.
#   CACHE/nsfwjs-4.4.0-inception_v3   CACHE/nsfwjs-4.4.0-mobilenet_v2
# Usage: fetch_nsfwjs_inception.sh [CACHE_DIR] [--h5]   (default $UMSYNTH_MODEL_CACHE or ~/.cache/umsynth/models)
#   --h5: also write Keras .h5 copies of the InceptionV3 (model.h5, weights.h5) for the .h5 import test;
#         installs Debian python3-h5py when missing.
# Needs: npm, node.
set -euo pipefail
H5=0; ARGS=()
for a in "$@"; do if [[ "$a" == "--h5" ]]; then H5=1; else ARGS+=("$a"); fi; done
CACHE="${ARGS[0]:-${UMSYNTH_MODEL_CACHE:-$HOME/.cache/umsynth/models}}"
HERE="$(cd "$(dirname "$0")" && pwd)"
MODELS=(inception_v3 mobilenet_v2)
missing=0
for m in "${MODELS[@]}"; do [[ -f "$CACHE/nsfwjs-4.4.0-$m/model.json" ]] || missing=1; done
if (( missing )); then
  WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
  ( cd "$WORK" && npm pack --silent nsfwjs@4.4.0 >/dev/null && tar xzf nsfwjs-4.4.0.tgz )
  for m in "${MODELS[@]}"; do
    DEST="$CACHE/nsfwjs-4.4.0-$m"
    [[ -f "$DEST/model.json" ]] && continue
    rm -rf "$DEST.tmp"; mkdir -p "$DEST.tmp"
    node - "$WORK/package/dist/models/$m" "$DEST.tmp" "$m" <<'JS'
const fs = require('fs'), path = require('path');
const [src, dst, name] = process.argv.slice(2);
const model = require(path.join(src, 'model.min.js'));
for (const group of model.weightsManifest) {
  for (const p of group.paths) {
    const b64 = require(path.join(src, p + '.min.js'));
    if (typeof b64 !== 'string') throw new Error('unexpected shard bundle ' + p);
    fs.writeFileSync(path.join(dst, p), Buffer.from(b64, 'base64'));
  }
}
fs.writeFileSync(path.join(dst, 'model.json'), JSON.stringify({
  format: 'layers-model', generatedBy: 'nsfwjs@4.4.0 dist/models/' + name + ' (unbundled by umsynth)',
  modelTopology: model.modelTopology, weightsManifest: model.weightsManifest }));
JS
    cp "$WORK/package/LICENSE" "$DEST.tmp/LICENSE.nsfwjs"
    mv "$DEST.tmp" "$DEST"
  done
fi
if (( H5 )) && [[ ! -f "$CACHE/nsfwjs-4.4.0-inception_v3/model.h5" ]]; then
  /usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null || { apt-get update -q && apt-get install -y -q python3-h5py python3-numpy; }
  /usr/bin/python3 "$HERE/tfjs_to_keras_h5.py" "$CACHE/nsfwjs-4.4.0-inception_v3"
fi
for m in "${MODELS[@]}"; do echo "$CACHE/nsfwjs-4.4.0-$m"; done
