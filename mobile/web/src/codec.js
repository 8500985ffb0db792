// Heatmaps -> keypoints, as hrkeras/codecs (msra_heatmap.py, heatmap_refine.py) decode them:
// argmax, then the quarter-pixel offset or DARK, then times the stride (heatmap px -> input px).
// Heatmaps are NHWC with batch 1: a Float32Array of h * w * k values.

/** Integer maxima: {x, y: Int32Array(k), scores: Float32Array(k)}; the first maximum wins ties. */
export function argmax(heatmaps, h, w, k) {
  const x = new Int32Array(k), y = new Int32Array(k), scores = new Float32Array(k);
  for (let j = 0; j < k; j++) {
    let best = -Infinity, index = 0;
    for (let i = 0; i < h * w; i++) {
      const v = heatmaps[i * k + j];
      if (v > best) { best = v; index = i; }
    }
    if (best === -Infinity) best = heatmaps[j]; // all -inf or NaN: index 0, as numpy
    x[j] = index % w; y[j] = Math.floor(index / w); scores[j] = best;
  }
  return {x, y, scores};
}

function at(maps, h, w, k, j, x, y) {
  const cx = Math.min(Math.max(x, 0), w - 1), cy = Math.min(Math.max(y, 0), h - 1);
  return maps[(cy * w + cx) * k + j];
}

/** Quarter offset (mmpose refine_keypoints): [k] of [x, y] heatmap px. */
export function quarterOffset(x, y, heatmaps, h, w, k) {
  const out = [];
  for (let j = 0; j < k; j++) {
    const xi = x[j], yi = y[j];
    const dx = xi > 1 && xi < w - 1 && yi > 0
      ? at(heatmaps, h, w, k, j, xi + 1, yi) - at(heatmaps, h, w, k, j, xi - 1, yi) : 0;
    const dy = yi > 1 && yi < h - 1 && xi > 0
      ? at(heatmaps, h, w, k, j, xi, yi + 1) - at(heatmaps, h, w, k, j, xi, yi - 1) : 0;
    out.push([xi + 0.25 * Math.sign(dx), yi + 0.25 * Math.sign(dy)]);
  }
  return out;
}

/** One map (k-th channel) as a Float64Array [h * w]. */
function channel(heatmaps, h, w, k, j) {
  const map = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) map[i] = heatmaps[i * k + j];
  return map;
}

/** Zero-padded Gaussian blur of one map [h * w], rescaled to keep its maximum (OpenCV's sigma rule). */
export function gaussianBlur(map, h, w, kernelSize) {
  const radius = Math.floor(kernelSize / 2);
  const sigma = 0.3 * ((kernelSize - 1) * 0.5 - 1) + 0.8;
  const taps = [];
  let sum = 0;
  for (let d = -radius; d <= radius; d++) { const t = Math.exp(-(d * d) / (2 * sigma * sigma)); taps.push(t); sum += t; }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  const rows = new Float64Array(h * w), out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let d = -radius; d <= radius; d++) { const xx = x + d; if (xx >= 0 && xx < w) s += taps[d + radius] * map[y * w + xx]; }
      rows[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let d = -radius; d <= radius; d++) { const yy = y + d; if (yy >= 0 && yy < h) s += taps[d + radius] * rows[yy * w + x]; }
      out[y * w + x] = s;
    }
  }
  let oldMax = -Infinity, newMax = -Infinity;
  for (let i = 0; i < h * w; i++) { oldMax = Math.max(oldMax, map[i]); newMax = Math.max(newMax, out[i]); }
  const factor = newMax !== 0 ? oldMax / newMax : 1;
  for (let i = 0; i < h * w; i++) out[i] *= factor;
  return out;
}

/** DARK: a Newton step on the log of the blurred heatmap at each maximum; [k] of [x, y] heatmap px. */
export function dark(x, y, heatmaps, h, w, k, kernelSize) {
  const out = [];
  for (let j = 0; j < k; j++) {
    const blurred = gaussianBlur(channel(heatmaps, h, w, k, j), h, w, kernelSize);
    const log = blurred.map((v) => Math.log(Math.max(v, 1e-10)));
    const xi = x[j], yi = y[j];
    const v = (ox, oy) => log[Math.min(Math.max(yi + oy, 0), h - 1) * w + Math.min(Math.max(xi + ox, 0), w - 1)];
    const dx = 0.5 * (v(1, 0) - v(-1, 0));
    const dy = 0.5 * (v(0, 1) - v(0, -1));
    const dxx = 0.25 * (v(2, 0) - 2 * v(0, 0) + v(-2, 0));
    const dyy = 0.25 * (v(0, 2) - 2 * v(0, 0) + v(0, -2));
    const dxy = 0.25 * (v(1, 1) - v(1, -1) - v(-1, 1) + v(-1, -1));
    const det = dxx * dyy - dxy * dxy;
    if (xi > 1 && xi < w - 2 && yi > 1 && yi < h - 2 && det !== 0) {
      out.push([xi - (dyy * dx - dxy * dy) / det, yi - (dxx * dy - dxy * dx) / det]);
    } else {
      out.push([xi, yi]);
    }
  }
  return out;
}

/**
 * heatmaps Float32Array [h * w * k] (NHWC, batch 1) -> {keypoints: [k] of [x, y] input px, scores}.
 * method: 'dark' | 'quarter' | 'argmax'; stride: [sx, sy] input px per heatmap px.
 */
export function decode(heatmaps, h, w, k, {method = 'quarter', stride = [4, 4], blurKernelSize = 11} = {}) {
  if (heatmaps.length !== h * w * k) {
    throw new Error(`heatmaps have ${heatmaps.length} values, expected ${h}x${w}x${k}`);
  }
  const {x, y, scores} = argmax(heatmaps, h, w, k);
  let points;
  if (method === 'quarter') points = quarterOffset(x, y, heatmaps, h, w, k);
  else if (method === 'dark') points = dark(x, y, heatmaps, h, w, k, blurKernelSize);
  else if (method === 'argmax') points = Array.from(x, (xi, j) => [xi, y[j]]);
  else throw new Error(`unknown decode method ${method}; use dark, quarter or argmax`);
  // Python multiplies float32 locations by a float32 stride: round the same way.
  const keypoints = points.map(([px, py]) => [Math.fround(Math.fround(px) * stride[0]), Math.fround(Math.fround(py) * stride[1])]);
  return {keypoints, scores: Array.from(scores)};
}

/** decode() with the settings of a model's metadata (`info.output`, `info.input`). */
export function decodeWithInfo(heatmaps, info) {
  const [h, w] = info.output.heatmap_size;
  const [inH, inW] = info.input.size;
  const codec = info.output.codec;
  return decode(heatmaps, h, w, info.keypoints.names.length,
    {method: codec.decode, stride: [Math.fround(inW / w), Math.fround(inH / h)], blurKernelSize: codec.blur_kernel_size});
}
