// Reference forward pass of a TF.js layers InceptionV3 (e.g. nsfwjs@4.4.0's) with TensorFlow.js's
// pure-JS CPU backend: global-average-pooled 'mixed10' features for two deterministic test images
// at the given resolutions. The network is cut after that layer and given a free input size, exactly
// what org.umsynth.model.features.TfjsLayersImporter builds in DL4J.
// Usage: node reference_features.js MODEL_DIR OUT.json FEATURE_LAYER [RES...]   (npm install here first)
const fs = require('fs'), path = require('path');
const tf = require('@tensorflow/tfjs');

// Exact in float32: both sides build the same NHWC input, grey repeated to 3 channels, in [-1, 1].
function testImage(k, r) {
  const v = new Float32Array(r * r * 3);
  for (let y = 0; y < r; y++) for (let x = 0; x < r; x++) {
    const g = k === 0 ? ((x * 7 + y * 13) % 256) / 127.5 - 1 : ((x * x + 3 * y) % 200) / 100 - 1;
    for (let c = 0; c < 3; c++) v[(y * r + x) * 3 + c] = g;
  }
  return v;
}

async function main() {
  const [modelDir, out, featureLayer, ...resArgs] = process.argv.slice(2);
  const res = resArgs.length ? resArgs.map(Number) : [299, 128];
  await tf.setBackend('cpu');
  const json = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json')));
  const topo = json.modelTopology;
  const cfg = topo.model_config.config;
  const cut = cfg.layers.findIndex(l => l.name === featureLayer);
  if (cut < 0) throw new Error('no layer ' + featureLayer);
  cfg.layers = cfg.layers.slice(0, cut + 1);
  cfg.layers.push({ name: 'umsynth_gap', class_name: 'GlobalAveragePooling2D',
    config: { name: 'umsynth_gap', data_format: 'channels_last' }, inbound_nodes: [[[featureLayer, 0, 0, {}]]] });
  cfg.output_layers = [['umsynth_gap', 0, 0]];
  cfg.layers[0].config.batch_input_shape = [null, null, null, 3];
  const specs = [], buffers = [];
  for (const g of json.weightsManifest) {
    specs.push(...g.weights);
    for (const p of g.paths) buffers.push(fs.readFileSync(path.join(modelDir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topo, weightSpecs: specs, weightData }), { strict: false });
  const result = { model: json.generatedBy || modelDir, layer: featureLayer + ' -> global average pool', tfjs: tf.version.tfjs, backend: tf.getBackend(), features: {} };
  for (const r of res) {
    const t0 = Date.now();
    const x = tf.tensor4d(Float32Array.from([...testImage(0, r), ...testImage(1, r)]), [2, r, r, 3]);
    const f = await model.predict(x).array();
    result.features[r] = f;
    console.error(`r=${r}: ${((Date.now() - t0) / 1000).toFixed(1)} s, f[0][0..3]=${f[0].slice(0, 4)}`);
  }
  fs.writeFileSync(out, JSON.stringify(result));
}
main().catch(e => { console.error(e); process.exit(1); });
