"""The notebook's asset server: serve-local mode and `python -m
rerun_notebook serve`. It answers GET and HEAD for exactly /widget.js and
/re_viewer_bg.wasm, read once from static/, the Wasm gzipped in memory and
sent with no Content-Length; everything else is 404."""

import gzip
import http.server

from . import WASM_PATH, WIDGET_PATH


class _Handler(http.server.BaseHTTPRequestHandler):
    files = {}

    def do_GET(self):
        self._answer(send_body=True)

    def do_HEAD(self):
        self._answer(send_body=False)

    def _answer(self, send_body):
        file = self.files.get(self.path)
        if file is None:
            self.send_error(404)
            return
        content_type, encoding, body = file
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def serve(bind_address="localhost", port=8080):
    _Handler.files = {
        "/widget.js": ("text/javascript", None, WIDGET_PATH.read_bytes()),
        "/re_viewer_bg.wasm": ("application/wasm", "gzip", gzip.compress(WASM_PATH.read_bytes())),
    }
    server = http.server.ThreadingHTTPServer((bind_address, port), _Handler)
    host, port = server.server_address[:2]
    print(f"Serving rerun notebook assets at http://{host}:{port}", flush=True)
    server.serve_forever()
