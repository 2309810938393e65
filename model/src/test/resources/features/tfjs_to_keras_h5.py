#!/usr/bin/python3
"""Writes a TF.js layers model (model.json + shards, uint8-quantised or float32) as Keras 2 HDF5 files,
in the layout keras.Model.save() / save_weights() produce, to test the .h5 import path:
  model.h5    whole model: root attribute model_config (JSON bytes), weights under model_weights/
  weights.h5  weights only: layer groups at the root (topology must then come from model.json)
Each layer group has the attribute weight_names and datasets <layer>/<layer>/<param>:0.
Needs numpy and h5py (Debian: apt-get install -y python3-h5py).
Usage: tfjs_to_keras_h5.py MODEL_DIR"""
import json, os, sys
import numpy as np
import h5py

model_dir = sys.argv[1]
spec = json.load(open(os.path.join(model_dir, "model.json")))
weights = {}
for group in spec["weightsManifest"]:
    data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
    offset = 0
    for w in group["weights"]:
        count = int(np.prod(w["shape"])) if w["shape"] else 1
        q = w.get("quantization")
        if q:
            dtype = {"uint8": np.uint8, "uint16": np.uint16}[q["dtype"]]
            codes = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
            offset += codes.nbytes
            values = (q["min"] + q["scale"] * codes.astype(np.float64)).astype(np.float32)
        else:
            values = np.frombuffer(data, dtype="<f4", count=count, offset=offset)
            offset += values.nbytes
        weights[w["name"]] = values.reshape(w["shape"])
topology = spec["modelTopology"]
layers = topology["model_config"]["config"]["layers"]

def write_layers(root):
    names = [l["name"] for l in layers]
    root.attrs["layer_names"] = np.array([n.encode("utf8") for n in names])
    root.attrs["backend"] = b"tensorflow"
    root.attrs["keras_version"] = b"2.2.4"
    for name in names:
        g = root.create_group(name)
        mine = [k for k in weights if k.split("/")[0] == name]
        g.attrs["weight_names"] = np.array([(k + ":0").encode("utf8") for k in mine])
        for k in mine:
            g.create_dataset(k + ":0", data=weights[k])

with h5py.File(os.path.join(model_dir, "model.h5"), "w") as f:
    f.attrs["keras_version"] = b"2.2.4"
    f.attrs["backend"] = b"tensorflow"
    f.attrs["model_config"] = json.dumps(topology["model_config"]).encode("utf8")
    write_layers(f.create_group("model_weights"))
with h5py.File(os.path.join(model_dir, "weights.h5"), "w") as f:
    write_layers(f)
print("wrote", os.path.join(model_dir, "model.h5"), "and weights.h5")
