// Drives the served demo page in headless Chromium (playwright-core + the system's chromium) and prints
// one JSON line per check. Used by tests/test_web_demo.py; also handy by hand:
//   node tools/browser_check.mjs --url URL [--accelerator wasm|webgpu] [--runs 20] [--screenshot out.png]
//        [--leak-runs 100] [--box x,y,w,h] [--upload image.png]
//        [--switch-to wasm|webgpu] [--camera 1] [--bad-model file.tflite ...]
import {chromium} from 'playwright-core';

const args = {accelerator: 'wasm', runs: 1, badModel: []};
for (let i = 2; i < process.argv.length; i++) {
  const key = process.argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase());
  const value = process.argv[++i];
  if (key === 'badModel') args.badModel.push(value); else args[key] = value;
}
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const COMMON = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const WEBGPU = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader', '--disable-vulkan-surface', '--enable-unsafe-swiftshader'];

const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: [...COMMON, ...(args.accelerator === 'webgpu' ? WEBGPU : ['--disable-gpu']),
    ...(args.camera ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] : [])],
});
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
try {
  const page = await browser.newPage({viewport: {width: 900, height: 760}});
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  const url = new URL(args.url);
  url.searchParams.set('accelerator', args.accelerator);
  await page.goto(url.href);
  const ok = await page.evaluate(() => window.hrkerasDemo.ready);
  const info = await page.evaluate(() => {
    const s = window.hrkerasDemo.state;
    return {
      crossOriginIsolated: globalThis.crossOriginIsolated, webgpu: !!navigator.gpu,
      accelerator: s.model?.accelerator ?? null, fullyAccelerated: s.model?.fullyAccelerated ?? null,
      wasmVariant: s.model?.wasmVariant ?? null, error: s.error, message: document.getElementById('message').textContent,
      image: s.image ? [s.image.width, s.image.height] : null,
    };
  });
  let runs = [];
  if (ok && !info.error) {
    runs = await page.evaluate((n) => window.hrkerasDemo.runStill(n), Number(args.runs));
    if (args.screenshot) await page.screenshot({path: args.screenshot, fullPage: true});
    // Memory: after the runs above, many more must not grow LiteRT.js' wasm heap (tensors are freed).
    info.heapBefore = await page.evaluate(() => window.hrkerasDemo.wasmHeapBytes());
    await page.evaluate((n) => window.hrkerasDemo.runStill(n), Number(args.leakRuns || 0));
    info.heapAfter = await page.evaluate(() => window.hrkerasDemo.wasmHeapBytes());
    if (args.box) {  // the user drags a box on the still (image px x,y,w,h -> mouse drag on the scaled canvas)
      const [x, y, w, h] = args.box.split(',').map(Number);
      const rect = await page.evaluate(() => {
        const c = document.getElementById('view'), r = c.getBoundingClientRect();
        return {left: r.left, top: r.top, sx: r.width / c.width, sy: r.height / c.height};
      });
      await page.mouse.move(rect.left + x * rect.sx, rect.top + y * rect.sy);
      await page.mouse.down();
      await page.mouse.move(rect.left + (x + w) * rect.sx, rect.top + (y + h) * rect.sy, {steps: 5});
      await page.mouse.up();
      await page.waitForFunction(() => {
        const s = window.hrkerasDemo.state;
        return s.userBox && s.result && s.result.box === s.userBox;
      }, null, {timeout: 30000});
      info.boxRun = await page.evaluate(() => {
        const r = window.hrkerasDemo.state.result;
        return {box: r.box, keypoints: r.keypoints, scores: r.scores};
      });
      if (args.screenshot) await page.screenshot({path: args.screenshot.replace(/\.png$/, '_box.png'), fullPage: true});
    }
  }
  else if (args.screenshot) await page.screenshot({path: args.screenshot, fullPage: true});
  out({check: 'run', ok, ...info, runs, logs: logs.slice(-20)});
  const result = () => page.evaluate(() => {
    const s = window.hrkerasDemo.state;
    return {accelerator: s.model?.accelerator, fullyAccelerated: s.model?.fullyAccelerated, error: s.error,
      image: s.image ? [s.image.width, s.image.height] : null, box: s.result?.box, keypoints: s.result?.keypoints,
      scores: s.result?.scores};
  });
  if (args.upload) {  // an image of the user's, through the page's file input
    await page.evaluate(() => { window.hrkerasDemo.state.result = null; });
    await page.setInputFiles('#image-file', args.upload);
    await page.waitForFunction(() => window.hrkerasDemo.state.source === 'upload' && window.hrkerasDemo.state.result,
      null, {timeout: 60000});
    out({check: 'upload', ...(await result())});
  }
  if (args.switchTo) {  // the accelerator menu: recompiles the model and reruns the still
    await page.evaluate(() => { window.hrkerasDemo.state.result = null; });
    await page.selectOption('#accelerator', args.switchTo);
    await page.waitForFunction(() => window.hrkerasDemo.state.result || window.hrkerasDemo.state.error, null, {timeout: 60000});
    out({check: 'switch', ...(await result())});
  }
  if (args.camera) {
    await page.click('#use-camera');
    await page.waitForFunction(() => window.hrkerasDemo.state.frames >= 10, null, {timeout: 60000}).catch(() => {});
    out({check: 'camera', ...(await page.evaluate(() => {
      const s = window.hrkerasDemo.state;
      return {frames: s.frames, error: s.error, fps: document.getElementById('stat-fps').textContent,
        mirrored: document.getElementById('view').classList.contains('mirrored'),
        playsinline: document.getElementById('video').hasAttribute('playsinline'), box: s.camera?.box ?? null};
    }))});
    await page.click('#use-photo');
  }
  for (const file of args.badModel) {
    await page.evaluate(() => { window.hrkerasDemo.state.error = null; });
    await page.setInputFiles('#model-file', file);
    await page.waitForFunction(() => window.hrkerasDemo.state.error, null, {timeout: 30000}).catch(() => {});
    const message = await page.evaluate(() => ({
      error: window.hrkerasDemo.state.error, text: document.getElementById('message').textContent,
      isError: document.getElementById('message').classList.contains('error'),
    }));
    out({check: 'bad-model', file, ...message});
    if (args.screenshot) await page.screenshot({path: args.screenshot.replace(/\.png$/, `_${file.split('/').pop()}.png`)});
  }
} finally {
  await browser.close();
}
