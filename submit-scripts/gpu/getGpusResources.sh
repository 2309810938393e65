#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript, and
# spark.worker.resource.gpu.discoveryScript on standalone workers): prints the GPUs this executor may
# use as {"name": "gpu", "addresses": ["0", "1", ...]}. Same contract as Spark's
# examples/src/main/scripts/getGpusResources.sh. Honours CUDA_VISIBLE_DEVICES when a resource manager
# (YARN's GPU isolation, the Kubernetes device plugin) has already narrowed the devices.
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" && "${CUDA_VISIBLE_DEVICES}" != "NoDevFiles" ]]; then
  ids="$CUDA_VISIBLE_DEVICES"
else
  command -v nvidia-smi > /dev/null || { echo "getGpusResources.sh: nvidia-smi not found on $(hostname)" >&2; exit 1; }
  ids="$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | paste -sd, -)"
fi
addresses=""
IFS=, read -r -a list <<< "$ids"
for id in "${list[@]}"; do
  [[ -n "$id" ]] || continue
  addresses+="${addresses:+,}\"$id\""
done
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
