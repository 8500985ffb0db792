// A pose .tflite on LiteRT.js: reads its hrkeras metadata, compiles it on WebGPU or WASM, and turns an
// image (+ an optional person box) into keypoints in image pixels. Every tensor it creates is deleted.
import {getGlobalLiteRt, loadAndCompile, loadLiteRt, supportsFeature, Tensor, unloadLiteRt} from '@litertjs/core';

import {decodeWithInfo} from './codec.js';
import {bboxToCenterScale, cropAndNormalize, cropToImage} from './geometry.js';
import {checkModelShapes, checkPoseInfo, ModelFileError, readMetadata} from './metadata.js';

let runtime = null; // {variant, ready: Promise}

/** Which LiteRT.js wasm build suits an accelerator: JSPI for WebGPU (lets ops WebGPU lacks run on
 * WASM), threads for WASM when the page is cross-origin isolated, else the plain build. */
async function variantFor(accelerator) {
  if (accelerator === 'webgpu') return (await supportsFeature('jspi')) ? 'jspi' : 'plain';
  const threads = globalThis.crossOriginIsolated && (await supportsFeature('threads')) && (await supportsFeature('relaxedSimd'));
  return threads ? 'threads' : 'plain';
}

async function ensureRuntime(wasmDir, variant) {
  if (runtime && runtime.variant === variant) return runtime.ready;
  if (runtime) {
    await runtime.ready.catch(() => {});
    unloadLiteRt();
  }
  const options = variant === 'threads' ? {threads: true} : variant === 'jspi' ? {jspi: true} : {};
  runtime = {variant, ready: loadLiteRt(wasmDir, options)};
  return runtime.ready;
}

let adapterCheck = null;

/** Whether this browser gives a WebGPU adapter (cached). */
export function webGpuAvailable() {
  if (!adapterCheck) {
    adapterCheck = typeof navigator !== 'undefined' && navigator.gpu
      ? navigator.gpu.requestAdapter().then((a) => !!a, () => false) : Promise.resolve(false);
  }
  return adapterCheck;
}

/** Size of LiteRT.js' wasm memory in bytes (0 before it is loaded). */
export function wasmHeapBytes() {
  try { return getGlobalLiteRt().liteRtWasm.HEAPU8.length; } catch { return 0; }
}

export class PoseModel {
  /** bytes: the .tflite (Uint8Array); accelerator: 'webgpu' | 'wasm'; wasmDir: URL of LiteRT.js' wasm/ folder. */
  static async load(bytes, {accelerator = 'wasm', wasmDir}) {
    const info = checkPoseInfo(readMetadata(bytes));
    if (accelerator === 'webgpu' && !(await webGpuAvailable())) {
      throw new ModelFileError('no-webgpu', 'this browser has no WebGPU adapter: choose WASM (CPU)');
    }
    const variant = await variantFor(accelerator);
    await ensureRuntime(wasmDir, variant);
    let compiled;
    try {
      compiled = await loadAndCompile(bytes.slice(), {accelerator, gpuOptions: {precision: 'fp32'}});
    } catch (err) {
      throw new ModelFileError('compile', `LiteRT.js could not compile this model on ${accelerator}: ${err.message || err}`);
    }
    const model = new PoseModel(compiled, info, accelerator, variant);
    try {
      const inputs = compiled.getInputDetails(), outputs = compiled.getOutputDetails();
      if (inputs.length !== 1 || outputs.length !== 1) {
        throw new ModelFileError('not-pose', `this model has ${inputs.length} inputs and ${outputs.length} outputs; a pose model has one of each`);
      }
      if (inputs[0].dtype !== 'float32' || outputs[0].dtype !== 'float32') {
        throw new ModelFileError('not-pose', `this model takes ${inputs[0].dtype} and gives ${outputs[0].dtype}; the page runs float32 I/O (hrkeras convert keeps float I/O on quantized models)`);
      }
      checkModelShapes(info, Array.from(inputs[0].shape), Array.from(outputs[0].shape));
    } catch (err) {
      model.delete();
      throw err;
    }
    return model;
  }

  constructor(compiled, info, requested, variant) {
    this.compiled = compiled;
    this.info = info;
    this.requested = requested;
    this.wasmVariant = variant;
    const [h, w] = info.input.size;
    this.inputSize = [w, h];
    this.input = new Float32Array(h * w * 3);
  }

  /** The accelerator that really runs the model ('webgpu', 'webgpu+wasm' when partly delegated, or 'wasm'). */
  get accelerator() {
    const ran = this.compiled.options?.accelerator ?? this.requested;
    if (ran === 'webgpu' && !this.fullyAccelerated) return 'webgpu+wasm';
    return ran;
  }

  get fullyAccelerated() {
    return this.compiled.isFullyAccelerated;
  }

  /** Normalized crop (Float32Array NHWC) -> heatmaps Float32Array [h * w * k]. */
  async heatmaps(input) {
    const [w, h] = this.inputSize;
    const tensor = new Tensor(input, [1, h, w, 3]);
    let outputs = [];
    try {
      outputs = await this.compiled.run(tensor);
      const data = await outputs[0].data();
      return Float32Array.from(data);
    } finally {
      tensor.delete();
      for (const out of outputs) out.delete();
    }
  }

  /**
   * rgba: Uint8ClampedArray of an imageW x imageH image; box: [x, y, w, h] or null (the whole image).
   * -> {keypoints: [k] of [x, y] image px, scores, box, center, scale, ms (crop + run + decode)}.
   */
  async predict(rgba, imageW, imageH, box = null) {
    const start = performance.now();
    box = box || [0, 0, imageW, imageH];
    const {center, scale} = bboxToCenterScale(box, this.inputSize[0] / this.inputSize[1]);
    cropAndNormalize(rgba, imageW, imageH, center, scale, this.inputSize, this.info.input.mean, this.info.input.std, this.input);
    const runStart = performance.now();
    const heatmaps = await this.heatmaps(this.input);
    const runMs = performance.now() - runStart;
    const {keypoints, scores} = decodeWithInfo(heatmaps, this.info);
    return {
      keypoints: cropToImage(keypoints, center, scale, this.inputSize), scores, box, center, scale,
      runMs, ms: performance.now() - start,
    };
  }

  delete() {
    this.compiled.delete();
  }
}
