"""The browser pose demo (mobile/web): metadata fields, golden vectors, the JS unit tests (`node --test`),
`hrkeras demo web`, and an end-to-end run in headless Chromium on WASM and WebGPU (SwiftShader)."""
import http.client
import json
import os
import re
import shutil
import subprocess
import threading

import numpy as np
import pytest
from cli_check import error_line

from hrkeras.cli import demo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEB = os.path.join(ROOT, "mobile", "web")
GOLDEN = os.path.join(ROOT, "mobile", "golden")
BOX = [90.0, 40.0, 140.0, 270.0]  # a box the test drags on the 320x320 photo


def _need_node_packages():
    if not shutil.which("node"):
        pytest.fail("node is not installed: apt-get install nodejs npm (CI: .ci/install_web.sh)")
    demo.check_web_dir()  # fails with the npm command when node_modules is missing


def _documented_fields(section="fields"):
    """The field names of a table of mobile/METADATA.md: "fields" (pose), "segmentation-fields", ..."""
    with open(os.path.join(ROOT, "mobile", "METADATA.md"), encoding="utf-8") as f:
        table = f.read().split(f"<!-- {section}:begin -->")[1].split(f"<!-- {section}:end -->")[0]
    return set(re.findall(r"^\| `([^`]+)` \|", table, re.M))


def _leaves(d, prefix=""):
    for key, value in d.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield prefix + key


def test_pose_info_writes_exactly_the_documented_fields():
    from hrkeras.convert import metadata

    for unbiased in (False, True):
        from hrkeras.codecs import MSRAHeatmap

        codec = MSRAHeatmap((64, 48), (16, 12), unbiased=unbiased)
        info = metadata.pose_info("litehrnet_18", (64, 48), "qat", codec)
        assert set(_leaves(info)) == _documented_fields()


def test_segmentation_and_classification_info_write_exactly_the_documented_fields():
    from hrkeras.convert import metadata

    preprocessing = {"mean": [1, 2, 3], "std": [4, 5, 6], "mode": "slide", "crop_fraction": 0.875}
    segmentation = metadata.segmentation_info("litehrnet_18", (64, 96), "qat", (16, 24), ["a", "b"],
                                              [[0, 0, 0], [128, 0, 0]], preprocessing)
    classification = metadata.classification_info("hrnet_w18", (224, 224), "float32", ["a", "b"], preprocessing)
    assert set(_leaves(segmentation)) == _documented_fields("segmentation-fields")
    assert set(_leaves(classification)) == _documented_fields("classification-fields")
    assert segmentation["output"]["stride"] == 4 and segmentation["input"]["size"] == [64, 96]


def test_golden_vectors_are_what_the_python_code_writes(tmp_path):
    """mobile/golden (read by the JS tests) is current: regenerated here, the numbers agree."""
    from mobile_golden import codec_cases, geometry_cases

    from hrkeras.convert import metadata
    from hrkeras.errors import HrkerasError

    with open(os.path.join(GOLDEN, "codec.json")) as f:
        committed = json.load(f)
    for new, old in zip(codec_cases(), committed, strict=True):
        assert new["shape"] == old["shape"]
        np.testing.assert_allclose(new["heatmaps"], old["heatmaps"], atol=1e-6)
        for method, decoded in new["decoded"].items():
            np.testing.assert_allclose(decoded["keypoints"], old["decoded"][method]["keypoints"], atol=1e-5)
    with open(os.path.join(GOLDEN, "geometry.json")) as f:
        committed = json.load(f)
    for new, old in zip(geometry_cases()["cases"], committed["cases"], strict=True):
        np.testing.assert_allclose(new["crop"], old["crop"], atol=1e-5)
        np.testing.assert_allclose(new["image_points"], old["image_points"], atol=1e-9)
    with open(os.path.join(GOLDEN, "metadata.json")) as f:
        expected = json.load(f)
    for name, want in expected.items():
        path = os.path.join(GOLDEN, "metadata", name)
        if "info" in want:
            assert metadata.read(path) == want["info"]
        else:
            with pytest.raises(HrkerasError) as err:
                metadata.read(path)
            assert isinstance(err.value, metadata.NoMetadataError) == (want["error"] == "no-metadata")


def _python(runner, image, box=None):
    """What the page must match: hrkeras.PoseInferencer on the same LiteRT runner, without flip test (the demos
    do not flip) -> keypoints [K, 2] image px, scores [K]."""
    import hrkeras

    person = hrkeras.PoseInferencer(runner, flip_test=False)(image, None if box is None else [box])[0]
    return person.keypoints, person.scores


def test_javascript_unit_tests():
    """`node --test` of mobile/web/test: metadata reader and decoder against the golden vectors."""
    if not shutil.which("node"):
        pytest.fail("node is not installed: apt-get install nodejs npm (CI: .ci/install_web.sh)")
    result = subprocess.run(["node", "--test", "test/"], cwd=WEB, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^# fail 0$", result.stdout, re.M) and re.search(r"^# pass [1-9]", result.stdout, re.M)


def test_demo_web_names_the_npm_command_when_packages_are_missing(tmp_path, capsys, monkeypatch):
    web = tmp_path / "web"
    shutil.copytree(WEB, web, ignore=shutil.ignore_patterns("node_modules"))
    monkeypatch.setattr(demo, "WEB_DIR", str(web))
    with pytest.raises(ValueError, match=re.escape(f"npm ci --prefix {web}")):
        demo.check_web_dir(str(web))
    model = os.path.join(GOLDEN, "metadata", "pose.tflite")
    monkeypatch.setattr(demo, "make_server", lambda *a, **k: demo.check_web_dir(str(web)))
    line = error_line(capsys, ["demo", "web", "--model", model, "--port", "0"])
    assert line.endswith(f"install them with: npm ci --prefix {web}")


@pytest.mark.parametrize("name, words", [("no_metadata.tflite", "no hrkeras metadata"),
                                         ("truncated.tflite", "truncated or damaged"),
                                         ("classification.tflite", "'classification' model")])
def test_demo_web_refuses_models_it_cannot_show(capsys, name, words):
    line = error_line(capsys, ["demo", "web", "--model", os.path.join(GOLDEN, "metadata", name), "--port", "0"])
    assert words in line and name in line


def _get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_server_sends_isolation_headers_and_serves_only_the_demo():
    _need_node_packages()
    model = os.path.join(GOLDEN, "metadata", "pose.tflite")
    server, url = demo.make_server(model, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert server.server_address[0] == "127.0.0.1" and url.endswith("/index.html?model=/model/pose.tflite")
        status, headers, _ = _get(port, "/")
        assert status == 302 and headers["Location"] == "/index.html?model=/model/pose.tflite"
        for path, kind in (("/index.html", "text/html"), ("/src/app.js", "text/javascript"),
                           ("/node_modules/@litertjs/core/wasm/litert_wasm_threaded_internal.wasm", "application/wasm"),
                           ("/assets/astronaut.png", "image/png")):
            status, headers, body = _get(port, path)
            assert status == 200 and headers["Content-Type"].startswith(kind), path
            assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        status, _, body = _get(port, "/model/pose.tflite")
        assert status == 200 and body == open(model, "rb").read()
        for path in ("/../setup.py", "/%2e%2e/setup.py", "/package.json", "/node_modules/playwright-core/package.json",
                     "/src/../../../setup.py"):
            assert _get(port, path)[0] == 404, path
    finally:
        server.shutdown()
        server.server_close()


# ---------- end to end in Chromium ----------

def _browser(url, accelerator, **options):
    """Run tools/browser_check.mjs; returns its JSON lines as dicts."""
    argv = ["node", os.path.join(WEB, "tools", "browser_check.mjs"), "--url", url, "--accelerator", accelerator]
    for key, value in options.items():
        for v in value if isinstance(value, list) else [value]:
            argv += [f"--{key.replace('_', '-')}", str(v)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=WEB)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_browser_demo_matches_python_litert_on_wasm_and_webgpu(tmp_path_factory):
    """A tiny Lite-HRNet trained briefly on the synthetic set (tests/fixtures/web_models.py), as float32,
    float16 and QAT int8 .tflite, served by `hrkeras demo web`'s server and run by the page in headless
    Chromium on the bundled photo (whole-image box): keypoints within 0.5 px of Python's LiteRT run of the
    same file, image and box (WASM vs the CPU interpreter; WebGPU vs LiteRT's GPU accelerator, and for float
    models vs the CPU too), 20 consecutive runs identical, no wasm memory growth over 100 more runs."""
    from PIL import Image
    from web_models import make

    from hrkeras.convert.tflite_runner import TFLiteRunner

    _need_node_packages()
    out = tmp_path_factory.mktemp("web_demo")
    shots = os.environ.get("HRKERAS_WEB_SCREENSHOTS") or str(out)
    os.makedirs(shots, exist_ok=True)
    models = make(str(out), epochs=3)
    image = np.asarray(Image.open(os.path.join(WEB, "assets", "astronaut.png")).convert("RGB"))
    upload = np.ascontiguousarray(image[20:300, 250:40:-1])  # a mirrored, cropped copy (210x280)
    Image.fromarray(upload).save(out / "upload.png")
    report = {}
    for mode, path in models.items():
        runners = {acc: TFLiteRunner(path, acc) for acc in ("cpu", "gpu")}
        reference = {acc: _python(runner, image) for acc, runner in runners.items()}
        server, url = demo.make_server(path, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            for accelerator in ("wasm", "webgpu"):
                extra = {}
                if mode == "float32" and accelerator == "webgpu":
                    golden = os.path.join(GOLDEN, "metadata")
                    extra = {"screenshot": os.path.join(shots, "astronaut_webgpu.png"), "camera": 1,
                             "upload": out / "upload.png", "switch_to": "wasm",
                             "bad_model": [os.path.join(golden, n) for n in
                                           ("no_metadata.tflite", "truncated.tflite", "classification.tflite")]}
                lines = _browser(url + "&threshold=0", accelerator, runs=20, leak_runs=100,
                                 box=",".join(map(str, BOX)), **extra)
                run = lines[0]
                assert run["ok"] and run["error"] is None, run
                assert run["crossOriginIsolated"] and run["image"] == [320, 320]
                keypoints = np.array([r["keypoints"] for r in run["runs"]])
                scores = np.array([r["scores"] for r in run["runs"]])
                assert len(keypoints) == 20 and (keypoints == keypoints[0]).all() and (scores == scores[0]).all()
                assert run["heapAfter"] == run["heapBefore"] > 0
                # WASM runs the CPU interpreter's kernels (XNNPACK), WebGPU LiteRT's GPU accelerator; float
                # models agree with both, int8 on a GPU computes in float on dequantized values.
                against = ("cpu",) if accelerator == "wasm" else ("gpu",) if mode == "qat" else ("cpu", "gpu")
                diffs = {acc: float(np.abs(keypoints[0] - reference[acc][0]).max()) for acc in ("cpu", "gpu")}
                box = run["boxRun"]["box"]  # dragged with the mouse: BOX to within a CSS pixel
                assert np.allclose(box, BOX, atol=1.0), box
                box_diffs = {acc: float(np.abs(np.array(run["boxRun"]["keypoints"]) -
                                               _python(runners[acc], image, box)[0]).max())
                             for acc in ("cpu", "gpu")}
                for acc in against:
                    assert diffs[acc] <= 0.5, f"{mode} on {accelerator}: {diffs[acc]:.3f} px from Python's LiteRT {acc}"
                    assert box_diffs[acc] <= 0.5, f"{mode} on {accelerator}, box {BOX}: {box_diffs[acc]:.3f} px"
                    np.testing.assert_allclose(scores[0], reference[acc][1], atol=0.02)
                # Measured: all three files run entirely on WebGPU (SwiftShader); README.md says so.
                assert run["accelerator"] == accelerator and run["fullyAccelerated"], (mode, run["accelerator"])
                report[f"{mode} {accelerator}"] = {
                    "runs on": run["accelerator"], "fully accelerated": run["fullyAccelerated"],
                    "max px diff vs Python cpu/gpu": diffs, "same with box": box_diffs,
                    "median run ms": float(np.median([r["runMs"] for r in run["runs"][1:]]))}
                for line in lines[1:]:
                    if line["check"] in ("upload", "switch"):  # the uploaded image, on WebGPU then on WASM
                        assert line["error"] is None and line["image"] == [210, 280] and line["box"] == [0, 0, 210, 280]
                        want = "webgpu" if line["check"] == "upload" else "wasm"
                        assert line["accelerator"] == want
                        python = _python(runners["gpu" if want == "webgpu" else "cpu"], upload)
                        diff = float(np.abs(np.array(line["keypoints"]) - python[0]).max())
                        assert diff <= 0.5, f"{line['check']}: {diff:.3f} px"
                        report[f"{mode} uploaded image, {want}"] = {"max px diff": diff}
                    elif line["check"] == "camera":
                        assert line["frames"] >= 10 and line["error"] is None
                        assert line["mirrored"] and line["playsinline"]
                    elif line["check"] == "bad-model":
                        assert line["isError"] and os.path.basename(line["file"]) in line["text"]
                        want = {"no_metadata.tflite": "no hrkeras metadata", "truncated.tflite": "truncated or damaged",
                                "classification.tflite": 'not "pose"'}[os.path.basename(line["file"])]
                        assert want in line["text"], line
                assert len(lines) == 1 + len(extra.get("bad_model", [])) + ("camera" in extra) + 2 * ("upload" in extra)
        finally:
            server.shutdown()
            server.server_close()
    assert os.path.getsize(os.path.join(shots, "astronaut_webgpu.png")) > 10000
    print(json.dumps(report, indent=1))
    print("screenshots:", shots)
