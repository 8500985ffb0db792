// Top-down crop geometry as hrkeras/training/data/geometry.py and warp.py define it: a box becomes a
// (center, scale) pair, the crop is the bilinear affine warp of TensorFlow's ImageProjectiveTransformV3
// (pixel centers at integer coordinates, zeros outside the image), normalized (pixel - mean) / std.

/** [x, y, w, h] box -> {center: [cx, cy], scale: [w, h]} padded by `padding`, at aspect ratio W / H. */
export function bboxToCenterScale([x, y, w, h], aspectRatio, padding = 1.25) {
  const center = [x + w * 0.5, y + h * 0.5];
  w *= padding; h *= padding;
  if (w > h * aspectRatio) h = w / aspectRatio; else w = h * aspectRatio;
  return {center, scale: [w, h]};
}

/** Image -> crop affine [[a, b, c], [d, e, f]] (no rotation) for output size [W, H]. */
export function affineMatrix(center, scale, [outW, outH]) {
  const s = outW / scale[0];
  return [[s, 0, outW * 0.5 - s * center[0]], [0, s, outH * 0.5 - s * center[1]]];
}

/**
 * RGBA pixels (Uint8ClampedArray, imgW x imgH) -> normalized float32 crop [outH * outW * 3] (NHWC).
 * The crop maps output pixel (x, y) to image point inverse(matrix) @ (x, y, 1), sampled bilinearly.
 */
export function cropAndNormalize(rgba, imgW, imgH, center, scale, [outW, outH], mean, std, out) {
  const f = Math.fround;
  // Inverse of the similarity crop matrix, rounded to float32 as TensorFlow computes it.
  const s = f(outW / f(scale[0]));
  const inv = f(1 / s);
  const ox = f(-f(inv * f(f(outW * 0.5) - f(s * f(center[0])))));
  const oy = f(-f(inv * f(f(outH * 0.5) - f(s * f(center[1])))));
  out = out || new Float32Array(outW * outH * 3);
  const read = (yy, xx, c) => (yy >= 0 && yy < imgH && xx >= 0 && xx < imgW ? rgba[(yy * imgW + xx) * 4 + c] : 0);
  for (let y = 0; y < outH; y++) {
    const iy = f(f(inv * y) + oy);
    const y0 = Math.floor(iy), y1 = y0 + 1;
    for (let x = 0; x < outW; x++) {
      const ix = f(f(inv * x) + ox);
      const x0 = Math.floor(ix), x1 = x0 + 1;
      const o = (y * outW + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = f(f(f(x1 - ix) * read(y0, x0, c)) + f(f(ix - x0) * read(y0, x1, c)));
        const bottom = f(f(f(x1 - ix) * read(y1, x0, c)) + f(f(ix - x0) * read(y1, x1, c)));
        const v = f(f(f(y1 - iy) * top) + f(f(iy - y0) * bottom));
        out[o + c] = f(f(v - f(mean[c])) / f(std[c]));
      }
    }
  }
  return out;
}

/** Points in crop (input) pixels -> image pixels (geometry.crop_to_image). */
export function cropToImage(points, center, scale, [inW, inH]) {
  return points.map(([x, y]) => [x / inW * scale[0] + center[0] - scale[0] * 0.5,
    y / inH * scale[1] + center[1] - scale[1] * 0.5]);
}

/** A box [x, y, w, h] around the keypoints scoring >= threshold, grown by `margin` of its size on each
 * side (keypoints lie inside a person's outline); null if fewer than `minPoints` or smaller than `minSize` px. */
export function boxOfKeypoints(keypoints, scores, threshold, minPoints = 3, margin = 0, minSize = 0) {
  const pts = keypoints.filter((_, i) => scores[i] >= threshold);
  if (pts.length < minPoints) return null;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs), y0 = Math.min(...ys), x1 = Math.max(...xs), y1 = Math.max(...ys);
  if (!(x1 > x0) || !(y1 > y0) || Math.max(x1 - x0, y1 - y0) < minSize) return null;
  const mx = margin * (x1 - x0), my = margin * (y1 - y0);
  return [x0 - mx, y0 - my, x1 - x0 + 2 * mx, y1 - y0 + 2 * my];
}

/** The part of box [x, y, w, h] inside a width x height frame; null if nothing is left. */
export function clipBox([x, y, w, h], width, height) {
  const x0 = Math.max(0, x), y0 = Math.max(0, y), x1 = Math.min(width, x + w), y1 = Math.min(height, y + h);
  return x1 > x0 && y1 > y0 ? [x0, y0, x1 - x0, y1 - y0] : null;
}

/** One-Euro filter (Casiez et al. 2012) of a vector signal: smooth when still, responsive when moving. */
export class OneEuroFilter {
  constructor({minCutoff = 1.0, beta = 0.05, dCutoff = 1.0} = {}) {
    Object.assign(this, {minCutoff, beta, dCutoff});
    this.reset();
  }

  reset() { this.x = null; this.dx = null; this.t = null; }

  static alpha(cutoff, dt) { const tau = 1 / (2 * Math.PI * cutoff); return 1 / (1 + tau / dt); }

  /** values: number[]; t: seconds. Returns the filtered values. */
  filter(values, t) {
    if (this.x === null || this.x.length !== values.length || !(t > this.t)) {
      this.x = values.slice(); this.dx = values.map(() => 0); this.t = t;
      return this.x.slice();
    }
    const dt = t - this.t;
    this.t = t;
    const aD = OneEuroFilter.alpha(this.dCutoff, dt);
    this.dx = values.map((v, i) => aD * ((v - this.x[i]) / dt) + (1 - aD) * this.dx[i]);
    this.x = values.map((v, i) => {
      const a = OneEuroFilter.alpha(this.minCutoff + this.beta * Math.abs(this.dx[i]), dt);
      return a * v + (1 - a) * this.x[i];
    });
    return this.x.slice();
  }
}
