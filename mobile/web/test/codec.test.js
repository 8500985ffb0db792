// The JS heatmap decoder and crop geometry against golden vectors written by hrkeras.codecs and
// hrkeras.training.data (mobile/golden/codec.json, geometry.json).
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';

import {decode} from '../src/codec.js';
import {bboxToCenterScale, boxOfKeypoints, clipBox, cropAndNormalize, cropToImage, OneEuroFilter} from '../src/geometry.js';

const GOLDEN = new URL('../../golden/', import.meta.url);
const load = (name) => JSON.parse(readFileSync(new URL(name, GOLDEN)));

function close(actual, expected, tol, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => {
    if (Array.isArray(v)) return close(v, expected[i], tol, `${what}[${i}]`);
    assert.ok(Math.abs(v - expected[i]) <= tol, `${what}[${i}]: ${v} vs ${expected[i]}`);
  });
}

for (const c of load('codec.json')) {
  for (const method of ['argmax', 'quarter', 'dark']) {
    test(`decode ${c.name} heatmaps with ${method} as hrkeras.codecs does`, () => {
      const [h, w, k] = c.shape;
      const out = decode(Float32Array.from(c.heatmaps), h, w, k, {method, stride: c.stride, blurKernelSize: c.blur_kernel_size});
      close(out.keypoints, c.decoded[method].keypoints, 1e-4, 'keypoints');
      close(out.scores, c.decoded[method].scores, 1e-6, 'scores');
    });
  }
}

const geometry = load('geometry.json');
const {width, height, rgb} = geometry.image;
const rgba = new Uint8ClampedArray(width * height * 4);
for (let i = 0; i < width * height; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);

geometry.cases.forEach((c, n) => {
  test(`crop ${n} (box ${c.box}) equals TensorFlow's warp + normalization`, () => {
    const [inW] = c.input_size;
    const {center, scale} = bboxToCenterScale(c.box, inW / c.input_size[1]);
    close(center, c.center, 1e-9, 'center');
    close(scale, c.scale, 1e-9, 'scale');
    const crop = cropAndNormalize(rgba, width, height, center, scale, c.input_size, geometry.mean, geometry.std);
    close(Array.from(crop), c.crop, 2e-5, 'crop');
    close(cropToImage(c.points, center, scale, c.input_size), c.image_points, 1e-9, 'image points');
  });
});

test('box of keypoints keeps only confident points', () => {
  assert.deepEqual(boxOfKeypoints([[0, 0], [10, 5], [4, 20], [100, 100]], [0.9, 0.8, 0.7, 0.1], 0.5), [0, 0, 10, 20]);
  assert.equal(boxOfKeypoints([[0, 0], [10, 5]], [0.9, 0.8], 0.5), null);
  assert.deepEqual(boxOfKeypoints([[0, 0], [10, 5], [4, 20]], [1, 1, 1], 0.5, 3, 0.1), [-1, -2, 12, 24]);
  assert.equal(boxOfKeypoints([[0, 0], [10, 5], [4, 20]], [1, 1, 1], 0.5, 3, 0, 50), null);
});

test('clipBox keeps the part inside the frame', () => {
  assert.deepEqual(clipBox([-10, 5, 30, 500], 100, 50), [0, 5, 20, 45]);
  assert.equal(clipBox([200, 0, 10, 10], 100, 50), null);
});

test('One-Euro filter: first value passes, a still signal stays, jitter is damped', () => {
  const f = new OneEuroFilter({minCutoff: 1, beta: 0});
  assert.deepEqual(f.filter([10, 20], 0), [10, 20]);
  assert.deepEqual(f.filter([10, 20], 1 / 30), [10, 20]);
  const out = f.filter([14, 20], 2 / 30);
  assert.ok(out[0] > 10 && out[0] < 12, `damped: ${out[0]}`);
});
