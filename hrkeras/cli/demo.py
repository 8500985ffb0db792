"""`hrkeras demo web --model FILE [--port P] [--host H]`: serve the browser pose demo (mobile/web) with a model.

The page, the model and LiteRT.js' wasm files are served from one origin with the cross-origin-isolation
headers (COOP same-origin, COEP require-corp) that LiteRT.js' threaded WASM build needs.
"""
import argparse
import http.server
import mimetypes
import os
import posixpath
import urllib.parse

from hrkeras.cli.args import add_command, non_negative_int
from hrkeras.errors import MissingFileError, UsageError

WEB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "mobile", "web")
# What the page needs from node_modules (the npm packages pinned in mobile/web/package.json).
PACKAGES = ("@litertjs/core", "@litertjs/wasm-utils")
REQUIRED_FILES = ("node_modules/@litertjs/core/dist/index.js",
                  "node_modules/@litertjs/core/wasm/litert_wasm_internal.wasm",
                  "node_modules/@litertjs/wasm-utils/dist/index.js")
SERVED = ("index.html", "src/", "assets/", *(f"node_modules/{p}/" for p in PACKAGES))
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css",
         ".html": "text/html; charset=utf-8", ".png": "image/png", ".json": "application/json",
         ".tflite": "application/octet-stream", ".map": "application/json"}
ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp",
                     "Cross-Origin-Resource-Policy": "same-origin"}


EXAMPLES = """examples:
  hrkeras demo web --model litehrnet_18_int8.tflite               # then open the printed address
  hrkeras demo web --model litehrnet_18_int8.tflite --host 192.168.1.20   # from a phone on the same network"""


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "demo", help="on-device demos: `demo web` serves the browser pose demo")
    demos = p.add_subparsers(dest="demo", required=True, metavar="DEMO")
    web = add_command(demos, EXAMPLES, "web",
                      help="serve the browser pose demo (LiteRT.js, WebGPU or WASM) with a .tflite")
    web.add_argument("--model", required=True, metavar="FILE.tflite", help="a pose .tflite written by hrkeras convert")
    web.add_argument("--port", type=non_negative_int, default=8765, help="port (default 8765; 0 picks a free one)")
    web.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1; your LAN address to open it from a phone)")
    web.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                     help="show the Python traceback of an error (or set HRKERAS_DEBUG=1)")
    web.set_defaults(func=run)


def check_web_dir(web_dir=WEB_DIR):
    """UsageError naming the one install command when the page or its npm packages are missing."""
    if not os.path.isfile(os.path.join(web_dir, "index.html")):
        raise MissingFileError("the demo page is not here: it lives in the repository's mobile/web", web_dir,
                               "run hrkeras from a clone of the repository (pip install -e .)")
    missing = [f for f in REQUIRED_FILES if not os.path.isfile(os.path.join(web_dir, f))]
    if missing:
        raise UsageError(f"the demo's npm packages are not installed (no {missing[0]})", web_dir,
                         f"install them with: npm ci --prefix {web_dir}")


def make_handler(model_path, web_dir=WEB_DIR):
    """A request handler serving the page, LiteRT.js and the model (at /model/<file name>)."""
    model_path = os.path.abspath(model_path)
    model_url = "/model/" + urllib.parse.quote(os.path.basename(model_path))
    web_dir = os.path.abspath(web_dir)

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "hrkeras-demo"

        def log_message(self, *args):  # quiet: one line per failed request only
            pass

        def _resolve(self):
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            if path == "/":
                return "redirect"
            if path == model_url or path == urllib.parse.unquote(model_url):
                return model_path
            rel = posixpath.normpath(path).lstrip("/")
            if rel.startswith("..") or not any(rel == s or rel.startswith(s) for s in SERVED):
                return None
            full = os.path.realpath(os.path.join(web_dir, rel))
            return full if full.startswith(os.path.realpath(web_dir) + os.sep) and os.path.isfile(full) else None

        def _send(self, status, body=b"", content_type="text/plain; charset=utf-8", extra=None, head=False):
            self.send_response(status)
            for key, value in {**ISOLATION_HEADERS, "Content-Type": content_type, "Content-Length": str(len(body)),
                               "Cache-Control": "no-cache", **(extra or {})}.items():
                self.send_header(key, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def do_GET(self, head=False):
            target = self._resolve()
            if target == "redirect":
                page = f"/index.html?model={urllib.parse.quote(model_url)}"
                return self._send(302, extra={"Location": page}, head=head)
            if target is None:
                return self._send(404, b"not found\n", head=head)
            with open(target, "rb") as f:
                body = f.read()
            ext = os.path.splitext(target)[1]
            self._send(200, body, TYPES.get(ext) or mimetypes.guess_type(target)[0] or "application/octet-stream",
                       head=head)

        def do_HEAD(self):
            self.do_GET(head=True)

    return Handler, model_url


def make_server(model_path, host="127.0.0.1", port=0, web_dir=WEB_DIR):
    """A ThreadingHTTPServer for the demo (not yet serving) and the page's URL."""
    check_web_dir(web_dir)
    handler, model_url = make_handler(model_path, web_dir)
    server = http.server.ThreadingHTTPServer((host, port), handler)
    shown = host if host not in ("0.0.0.0", "") else "127.0.0.1"
    url = f"http://{shown}:{server.server_address[1]}/index.html?model={urllib.parse.quote(model_url)}"
    return server, url


def check_model(path):
    """The model's hrkeras metadata, checked to be a pose model's (clear errors otherwise)."""
    from hrkeras.convert import metadata

    if not os.path.isfile(path):
        raise MissingFileError("the model file does not exist", path, "pass a .tflite written by hrkeras convert")
    info = metadata.read(path)
    if info.get("task") != "pose":
        raise UsageError(f"this .tflite is a {info.get('task')!r} model; the demo runs pose models", path,
                         "convert a pose model with hrkeras convert")
    return info


def run(args):
    info = check_model(args.model)
    try:
        server, url = make_server(args.model, args.host, args.port)
    except OSError as err:
        raise UsageError(f"cannot listen on {args.host}:{args.port} ({err.strerror or err})",
                         fix="pick another --port (0 picks a free one)") from None
    print(f"hrkeras demo web: {info.get('model')} ({info.get('quantization')}) at {url}", flush=True)
    if args.host in ("127.0.0.1", "localhost"):
        print("  from a phone on this network: --host <this computer's LAN address> "
              "(the camera needs https there; photo and images work)", flush=True)
    print("  Ctrl-C stops the server", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
