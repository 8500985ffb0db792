"""Pretrained weights by name: the table, and the download path end to end on a local HTTP server.

The server (127.0.0.1, a free port, in a thread) serves bytes the tests make; its `mode` decides how:
"normal" (honours Range), "cut" (sends half the body, then closes), "ignore_range" (always the whole file);
`redirects` {url path: location} answers 302 first.
"""
import dataclasses
import doctest
import hashlib
import http.server
import os
import socket
import threading
import time

import pytest

import hrkeras
from hrkeras.errors import DownloadError, InvalidFileError, UsageError
from hrkeras.pretrained import cache, download, fetch, resolve, table
from checkpoint_cases import FIXTURES, TOLERANCE, load_case, relative_error

PAYLOAD = os.urandom(300_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Server:
    """A local HTTP server of `files` {url path: bytes}; `requests` records (path, Range header, status)."""

    def __init__(self):
        self.files, self.mode, self.requests, self.delay, self.redirects = {}, "normal", [], 0.0, {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                time.sleep(server.delay)
                if self.path in server.redirects:  # as the Hugging Face hub sends its files to a CDN
                    server.requests.append((self.path, self.headers.get("Range"), 302))
                    self.send_response(302)
                    self.send_header("Location", server.redirects[self.path])
                    return self.end_headers()
                data = server.files.get(self.path)
                rng = self.headers.get("Range")
                if data is None:
                    server.requests.append((self.path, rng, 404))
                    return self.send_error(404)
                start = int(rng[len("bytes="):].split("-")[0]) if rng and server.mode != "ignore_range" else 0
                status = 206 if start else 200
                server.requests.append((self.path, rng, status))
                self.send_response(status)
                self.send_header("Content-Length", str(len(data) - start))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                body = data[start:]
                self.wfile.write(body[: len(body) // 2] if server.mode == "cut" else body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def _refused_url():
    with socket.socket() as s:  # a port nobody listens on once it is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/w.pth"


def _one_line(err):
    text = str(err)
    assert "\n" not in text
    return text


def test_download_verifies_sha256_and_draws_progress(server, tmp_path, capsys):
    server.files["/w.pth"] = PAYLOAD
    path = tmp_path / "cache" / "w.pth"
    assert download(f"{server.url}/w.pth", path, sha256=SHA, prefix=SHA[:8]) == str(path)
    assert path.read_bytes() == PAYLOAD
    assert os.listdir(path.parent) == ["w.pth"]  # no .part or temporary file left
    assert "100%" in capsys.readouterr().err


def test_checksum_mismatch_deletes_the_download(server, tmp_path):
    server.files["/w.pth"] = PAYLOAD
    path = tmp_path / "w.pth"
    with pytest.raises(InvalidFileError) as err:
        download(f"{server.url}/w.pth", path, prefix="00000000", progress=False)
    text = _one_line(err.value)
    assert "does not match the published 00000000" in text and "deleted" in text
    assert os.listdir(tmp_path) == []


def test_interrupted_download_is_resumed_with_range(server, tmp_path):
    server.files["/w.pth"] = PAYLOAD
    path, url = tmp_path / "w.pth", f"{server.url}/w.pth"
    server.mode = "cut"
    with pytest.raises(DownloadError) as err:
        download(url, path, sha256=SHA, progress=False)
    assert "stopped at 150000 of 300000 bytes" in _one_line(err.value)
    assert not path.exists() and os.path.getsize(f"{path}.part") == 150_000
    server.mode = "normal"
    download(url, path, sha256=SHA, progress=False)
    assert server.requests[-1] == ("/w.pth", "bytes=150000-", 206)
    assert path.read_bytes() == PAYLOAD and not os.path.exists(f"{path}.part")


def test_resume_follows_a_redirect_with_its_range(server, tmp_path):
    server.files["/cdn/w.pth"] = PAYLOAD
    server.redirects["/resolve/w.pth"] = f"{server.url}/cdn/w.pth"
    (tmp_path / "w.pth.part").write_bytes(PAYLOAD[:1000])
    download(f"{server.url}/resolve/w.pth", tmp_path / "w.pth", sha256=SHA, progress=False)
    assert server.requests == [("/resolve/w.pth", "bytes=1000-", 302), ("/cdn/w.pth", "bytes=1000-", 206)]
    assert (tmp_path / "w.pth").read_bytes() == PAYLOAD


def test_download_restarts_when_the_server_ignores_range(server, tmp_path):
    server.files["/w.pth"] = PAYLOAD
    path, url = tmp_path / "w.pth", f"{server.url}/w.pth"
    (tmp_path / "w.pth.part").write_bytes(PAYLOAD[:1000])
    server.mode = "ignore_range"
    download(url, path, sha256=SHA, progress=False)
    assert server.requests[-1] == ("/w.pth", "bytes=1000-", 200)
    assert path.read_bytes() == PAYLOAD


def test_no_network_says_where_to_put_the_file(tmp_path):
    url, path = _refused_url(), tmp_path / "w.pth"
    with pytest.raises(DownloadError) as err:
        download(url, path, progress=False)
    text = _one_line(err.value)
    assert url in text and str(path) in text and "by hand" in text
    assert isinstance(err.value, FileNotFoundError)


def _entry(url, **changes):
    base = table.find_entry("litehrnet_18", "pose", "coco")
    return dataclasses.replace(base, url=url, **changes)


def test_cached_file_is_used_without_a_server(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    entry = _entry(_refused_url(), sha256=SHA)
    (tmp_path / "w.pth").write_bytes(PAYLOAD)
    assert fetch(entry) == str(tmp_path / "w.pth")
    (tmp_path / "w.pth").write_bytes(PAYLOAD[:-1])  # a wrong file put there by hand: reported, kept
    with pytest.raises(InvalidFileError, match="delete it to download it again"):
        fetch(entry)
    assert (tmp_path / "w.pth").exists()


def test_create_model_fetches_and_loads_a_tag(server, tmp_path, monkeypatch):
    io, config, checkpoint = load_case(FIXTURES, "hrnet_pose_mmpose")
    data = checkpoint.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    name = f"tiny_coco-{digest[:8]}_20261129.pth"  # mmpose's naming: the prefix is checked
    server.files[f"/{name}"] = data
    entry = table.PretrainedEntry(config["model"], "pose", "tiny", "test server", f"{server.url}/{name}",
                                  tuple(config["input_shape"][:2]), "none", 0.0, num_outputs=17)
    monkeypatch.setattr(table, "ENTRIES", table.ENTRIES + (entry,))
    assert entry.sha256_prefix == digest[:8]
    model = hrkeras.create_model(config["model"], weights="tiny", cache_dir=tmp_path, **config["overrides"])
    assert model.input_shape == (None, *config["input_shape"])  # the entry's input size
    assert relative_error(model(io["input"]), io["output"]) < TOLERANCE
    assert sorted(os.listdir(tmp_path)) == [name, f"{name}.lock"]


def test_unknown_tag_names_the_available_ones():
    with pytest.raises(UsageError) as err:
        hrkeras.create_model("litehrnet_18", weights="imagenet")
    assert "tags for litehrnet_18 (pose): coco, coco_384x288, mpii" in _one_line(err.value)


def test_tags_and_paths_are_told_apart(tmp_path):
    assert resolve.is_tag("coco") and not resolve.is_tag("w.pth") and not resolve.is_tag(str(tmp_path))


def test_table_entries_are_consistent():
    entries = hrkeras.list_pretrained()
    assert len({(e.model, e.task, e.tag) for e in entries}) == len(entries)
    for e in entries:
        assert e.model in hrkeras.list_models() and e.url.startswith("https://")
        assert len(e.input_size) == 2 and e.color == "RGB" and e.accuracy > 0
        if e.url.startswith("https://download.openmmlab.com/mmpose/"):
            assert len(e.sha256_prefix) == 8 and "x".join(map(str, e.input_size)) in e.file_name
            size = "x".join(map(str, e.input_size))
            assert e.tag in ("coco", f"coco_{size}", "mpii") and (e.tag == "mpii") == (e.num_outputs == 16)
        else:
            assert e.url.startswith("https://huggingface.co/timm/") and e.file_name == "model.safetensors"
            assert e.sha256 is None or len(e.sha256) == 64


@pytest.mark.parametrize("module", [table, cache, resolve])
def test_docstring_examples(module):
    assert doctest.testmod(module, extraglobs={"find_entry": table.find_entry}).failed == 0


def test_cli_loader_takes_the_tag_input_size(monkeypatch):
    from hrkeras.training import pose_model

    calls = []
    monkeypatch.setattr(pose_model, "create_model", lambda *a, **k: calls.append(k))
    pose_model.load_model("litehrnet_18", "coco_384x288")
    pose_model.load_model("litehrnet_18", "coco", input_size=(384, 288))
    assert [(c["weights"], c["input_shape"]) for c in calls] == [("coco_384x288", None), ("coco", (384, 288, 3))]


def test_a_file_without_a_published_hash_is_fetched_with_a_warning(server, tmp_path):
    server.files["/model.safetensors"] = PAYLOAD
    entry = _entry(f"{server.url}/model.safetensors")
    assert entry.sha256 is None and entry.sha256_prefix is None
    with pytest.warns(UserWarning, match="no published checksum"):
        path = fetch(entry, cache_dir=tmp_path, progress=False)
    assert open(path, "rb").read() == PAYLOAD


def test_cli_offline_error_is_one_line(capsys, tmp_path, monkeypatch):
    from cli_check import error_line

    url = _refused_url()
    monkeypatch.setattr(table, "ENTRIES", tuple(_entry(url) if (e.model, e.tag) == ("litehrnet_18", "coco") else e
                                                for e in table.ENTRIES))
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    argv = ["convert", "--model", "litehrnet_18", "--weights", "coco", "--out", tmp_path / "a.tflite"]
    line = error_line(capsys, argv)
    assert f"cannot download {url}" in line and str(tmp_path / "w.pth") in line and "by hand" in line


def test_concurrent_fetches_download_once(server, tmp_path):
    server.files["/w.pth"] = PAYLOAD
    server.delay = 0.3
    entry = _entry(f"{server.url}/w.pth", sha256=SHA)
    paths = []
    threads = [threading.Thread(target=lambda: paths.append(fetch(entry, tmp_path, progress=False)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert paths == [str(tmp_path / "w.pth")] * 3 and len(server.requests) == 1
    assert (tmp_path / "w.pth").read_bytes() == PAYLOAD
