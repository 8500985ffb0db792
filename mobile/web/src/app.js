// The demo page: model and image choice, the top-down tracking loop on the camera, drawing, stats.
import {boxOfKeypoints, clipBox, OneEuroFilter} from './geometry.js';
import {ModelFileError} from './metadata.js';
import {PoseModel, wasmHeapBytes, webGpuAvailable} from './pose.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const WASM_DIR = new URL('../node_modules/@litertjs/core/wasm/', import.meta.url).href;
const PHOTO = new URL('../assets/astronaut.png', import.meta.url).href;
const COLORS = {left: '#40a0ff', right: '#ff5050', center: '#40ff80'};

const state = {
  model: null, modelBytes: null, modelName: null,
  source: 'photo', image: null, // image: {rgba, width, height, bitmap}
  userBox: null, result: null, camera: null, loop: 0, busy: false,
  lastTimes: [], error: null, frames: 0,
};

function show(text, isError = false) {
  const m = $('message');
  m.textContent = text;
  m.classList.toggle('error', isError);
  if (isError) state.error = text;
}

function threshold() { return Number($('threshold').value); }

async function requestedAccelerator() {
  const value = $('accelerator').value;
  if (value !== 'auto') return value;
  return (await webGpuAvailable()) ? 'webgpu' : 'wasm';
}

// ---------- images ----------
async function bitmapToImage(bitmap) {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  ctx.drawImage(bitmap, 0, 0);
  return {rgba: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, width: bitmap.width, height: bitmap.height, bitmap};
}

async function loadImageBlob(blob) {
  // No colour-space conversion, no premultiplication: the pixels are the file's, as PIL reads them.
  const bitmap = await createImageBitmap(blob, {colorSpaceConversion: 'none', premultiplyAlpha: 'none'});
  return bitmapToImage(bitmap);
}

async function usePhoto() {
  stopCamera();
  const response = await fetch(PHOTO);
  state.image = await loadImageBlob(await response.blob());
  state.source = 'photo';
  state.userBox = null;
  await runStill();
}

async function useImageFile(file) {
  stopCamera();
  try {
    state.image = await loadImageBlob(file);
  } catch (err) {
    show(`cannot read ${file.name} as an image (${err.message}); choose a JPEG or PNG`, true);
    return;
  }
  state.source = 'upload';
  state.userBox = null;
  await runStill();
}

// ---------- model ----------
async function loadModel(bytes, name) {
  if (state.model) { state.model.delete(); state.model = null; }
  state.modelBytes = bytes; state.modelName = name; state.error = null;
  const accelerator = await requestedAccelerator();
  show(`Compiling ${name} on ${accelerator}…`);
  try {
    state.model = await PoseModel.load(bytes, {accelerator, wasmDir: WASM_DIR});
  } catch (err) {
    const text = err instanceof ModelFileError ? err.message : `could not load ${name}: ${err.message || err}`;
    show(`${name}: ${text}`, true);
    $('stat-model').textContent = name;
    for (const id of ['stat-accelerator', 'stat-full', 'stat-time', 'stat-fps']) $(id).textContent = '–';
    state.result = null;
    draw();
    return false;
  }
  const {info} = state.model;
  $('stat-model').textContent = `${name} (${info.model}, ${info.quantization}, ${info.input.size[1]}x${info.input.size[0]}, decode ${info.output.codec.decode})`;
  $('stat-accelerator').textContent = `${state.model.accelerator}` + (accelerator !== state.model.accelerator ? ` (asked for ${accelerator})` : '') + `, LiteRT.js ${state.model.wasmVariant} wasm`;
  $('stat-full').textContent = state.model.fullyAccelerated ? 'yes' : 'no';
  show(`${name} ready on ${state.model.accelerator}.`);
  return true;
}

async function loadModelUrl(url) {
  let bytes;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    show(`cannot fetch the model ${url} (${err.message}); check the ?model= address`, true);
    return false;
  }
  return loadModel(bytes, url.split('/').pop());
}

// ---------- running ----------
async function runStill() {
  if (!state.image) return;
  if (!state.model) { draw(); return; }
  try {
    state.result = await state.model.predict(state.image.rgba, state.image.width, state.image.height, state.userBox);
    timeStats(state.result);
  } catch (err) {
    show(`inference failed: ${err.message || err}`, true);
    state.result = null;
  }
  draw();
}

function timeStats(result) {
  const now = performance.now();
  state.lastTimes.push(now);
  while (state.lastTimes.length > 1 && now - state.lastTimes[0] > 2000) state.lastTimes.shift();
  $('stat-time').textContent = `${result.runMs.toFixed(1)} ms model, ${result.ms.toFixed(1)} ms with crop + decode`;
  const n = state.lastTimes.length;
  $('stat-fps').textContent = n > 1 ? (1000 * (n - 1) / (now - state.lastTimes[0])).toFixed(1) : '–';
}

// ---------- camera: whole frame first, then a box from the last keypoints (One-Euro smoothed) ----------
async function useCamera() {
  stopCamera();
  if (!navigator.mediaDevices?.getUserMedia) {
    show('this browser gives no camera here (the camera needs https or localhost)', true);
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: 'user', width: {ideal: 640}}, audio: false});
  } catch (err) {
    show(`no camera: ${err.message}`, true);
    return;
  }
  const video = $('video');
  video.srcObject = stream;
  await video.play();
  const canvas = new OffscreenCanvas(video.videoWidth, video.videoHeight);
  state.camera = {stream, canvas, ctx: canvas.getContext('2d', {willReadFrequently: true}), filter: new OneEuroFilter({minCutoff: 1.0, beta: 0.02}), box: null};
  state.source = 'camera';
  state.userBox = null;
  $('view').classList.add('mirrored');
  const loop = ++state.loop;
  const step = async () => {
    if (loop !== state.loop) return;
    if (state.model && !state.busy) {
      state.busy = true;
      try { await cameraFrame(); } catch (err) { show(`inference failed: ${err.message || err}`, true); }
      state.busy = false;
    }
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

async function cameraFrame() {
  const {canvas, ctx, filter} = state.camera;
  const video = $('video');
  ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  state.image = {rgba, width: canvas.width, height: canvas.height, bitmap: video};
  const result = await state.model.predict(rgba, canvas.width, canvas.height, state.camera.box);
  let box = boxOfKeypoints(result.keypoints, result.scores, threshold(), 5, 0.15, 0.1 * Math.min(canvas.width, canvas.height));
  box = box && clipBox(box, canvas.width, canvas.height);
  if (box) {
    const [x0, y0, x1, y1] = filter.filter([box[0], box[1], box[0] + box[2], box[1] + box[3]], performance.now() / 1000);
    state.camera.box = [x0, y0, x1 - x0, y1 - y0];
  } else {
    filter.reset();
    state.camera.box = null; // lost: back to the whole frame
  }
  state.result = result;
  state.frames++;
  timeStats(result);
  draw();
}

function stopCamera() {
  state.loop++;
  if (state.camera) {
    for (const track of state.camera.stream.getTracks()) track.stop();
    state.camera = null;
  }
  $('view').classList.remove('mirrored');
}

// ---------- drawing ----------
function side(name) {
  return name.startsWith('left') ? 'left' : name.startsWith('right') ? 'right' : 'center';
}

function draw(dragBox = null) {
  const canvas = $('view');
  const ctx = canvas.getContext('2d');
  const image = state.image;
  if (image) {
    if (canvas.width !== image.width || canvas.height !== image.height) { canvas.width = image.width; canvas.height = image.height; }
    ctx.drawImage(image.bitmap, 0, 0, image.width, image.height);
  } else {
    ctx.fillStyle = '#000'; ctx.fillRect(0, 0, canvas.width, canvas.height);
  }
  const lw = Math.max(2, Math.round(Math.max(canvas.width, canvas.height) / 200));
  if (state.error && !state.camera) {
    ctx.fillStyle = 'rgba(0,0,0,0.7)'; ctx.fillRect(0, 0, canvas.width, 4 * lw + 40);
    ctx.fillStyle = '#ff8a80'; ctx.font = `${Math.max(14, 3 * lw)}px sans-serif`;
    ctx.fillText(state.model ? 'Error: see the message above' : 'No model running: see the message above',
      2 * lw, 2 * lw + 20, canvas.width - 4 * lw);
  }
  const box = dragBox || state.userBox;
  if (box) {
    ctx.strokeStyle = '#ffd740'; ctx.lineWidth = lw / 2; ctx.setLineDash([2 * lw, lw]);
    ctx.strokeRect(...box); ctx.setLineDash([]);
  }
  const result = state.result;
  if (!result || !state.model) return;
  const {names, skeleton} = state.model.info.keypoints;
  const t = threshold();
  const pts = result.keypoints, s = result.scores;
  ctx.lineWidth = lw;
  for (const [a, b] of skeleton) {
    if (Math.min(s[a], s[b]) < t) continue;
    const sa = side(names[a]), sb = side(names[b]);
    ctx.strokeStyle = COLORS[sa === sb ? sa : 'center'];
    ctx.beginPath(); ctx.moveTo(...pts[a]); ctx.lineTo(...pts[b]); ctx.stroke();
  }
  for (let k = 0; k < pts.length; k++) {
    if (s[k] < t) continue;
    ctx.fillStyle = COLORS[side(names[k])];
    ctx.beginPath(); ctx.arc(pts[k][0], pts[k][1], 1.5 * lw, 0, 2 * Math.PI); ctx.fill();
  }
}

// ---------- user box on a still ----------
function canvasPoint(event) {
  const canvas = $('view'), rect = canvas.getBoundingClientRect();
  return [(event.clientX - rect.left) * canvas.width / rect.width, (event.clientY - rect.top) * canvas.height / rect.height];
}

function setupBoxDrawing() {
  const canvas = $('view');
  let start = null, box = null;
  canvas.addEventListener('pointerdown', (e) => {
    if (state.camera || !state.image) return;
    start = canvasPoint(e); canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!start) return;
    const [x, y] = canvasPoint(e);
    box = [Math.min(x, start[0]), Math.min(y, start[1]), Math.abs(x - start[0]), Math.abs(y - start[1])];
    draw(box);
  });
  canvas.addEventListener('pointerup', async () => {
    if (start && box && box[2] > 8 && box[3] > 8) { state.userBox = box; await runStill(); }
    start = null; box = null;
  });
}

// ---------- wiring ----------
async function reloadModel() {
  if (!state.modelBytes) return;
  if (await loadModel(state.modelBytes, state.modelName)) {
    if (state.camera) state.camera.box = null; else await runStill();
  }
}

async function start() {
  setupBoxDrawing();
  const accelerator = params.get('accelerator');
  if (accelerator === 'webgpu' || accelerator === 'wasm') $('accelerator').value = accelerator;
  if (!(await webGpuAvailable())) $('accelerator').querySelector('[value=webgpu]').textContent = 'WebGPU (not available here)';
  const t = Number(params.get('threshold'));
  if (params.has('threshold') && t >= 0 && t <= 1) { $('threshold').value = t; $('threshold-value').textContent = t.toFixed(2); }
  $('threshold').addEventListener('input', () => { $('threshold-value').textContent = threshold().toFixed(2); draw(); });
  $('accelerator').addEventListener('change', reloadModel);
  $('model-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (file) { await loadModel(new Uint8Array(await file.arrayBuffer()), file.name); if (!state.camera) await runStill(); }
  });
  $('image-file').addEventListener('change', (e) => e.target.files[0] && useImageFile(e.target.files[0]));
  $('use-photo').addEventListener('click', usePhoto);
  $('use-camera').addEventListener('click', useCamera);
  $('clear-box').addEventListener('click', () => { state.userBox = null; if (!state.camera) runStill(); });
  const modelUrl = params.get('model');
  if (modelUrl) await loadModelUrl(modelUrl);
  else show('Choose a pose .tflite (written by hrkeras convert), or open the page with ?model=URL.');
  await usePhoto();
}

// Hooks for tests and the console.
window.hrkerasDemo = {
  state,
  ready: start().then(() => true, (err) => { show(`page failed: ${err.message || err}`, true); return false; }),
  /** Runs the current still `n` times; returns [{keypoints, scores, box}] (plain arrays). */
  async runStill(n = 1, box = null) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const r = await state.model.predict(state.image.rgba, state.image.width, state.image.height, box);
      out.push({keypoints: r.keypoints, scores: r.scores, box: r.box, runMs: r.runMs});
      state.result = r;
      timeStats(r);
    }
    draw();
    return out;
  },
  /** Bytes of LiteRT.js' wasm memory (grows if tensors leak; never shrinks). */
  wasmHeapBytes,
  loadModelUrl, reloadModel, usePhoto, useCamera,
};
