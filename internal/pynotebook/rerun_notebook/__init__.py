"""A stand-in for the rerun_notebook package, of its real layout, written
for the Go loader's tests (PROTOCOL.md section 1).

Like the real package it names its static files WIDGET_PATH, WASM_PATH and
CSS_PATH and, for RERUN_NOTEBOOK_ASSET=inline, splices a gzip+base64 data
URL of the Viewer into widget.js between the inline markers. It imports no
kernel stack (anywidget, ipywidgets): inline_esm() and the asset server are
what the tests run.
"""

import base64
import gzip
import pathlib

STATIC = pathlib.Path(__file__).parent / "static"
WIDGET_PATH = STATIC / "widget.js"
WASM_PATH = STATIC / "re_viewer_bg.wasm"
CSS_PATH = STATIC / "widget.css"

MARKER_OPEN = "__MARKER_OPEN__"
MARKER_CLOSE = "__MARKER_CLOSE__"


def inline_esm():
    """Return the module source inline mode hands to anywidget: widget.js
    with the code between the markers replaced by code that returns the
    Viewer, decoded from a data URL, as a Response."""
    source = WIDGET_PATH.read_text()
    data = base64.b64encode(gzip.compress(WASM_PATH.read_bytes())).decode()
    body = f"""
    const compressed = await (await fetch("data:application/octet-stream;gzip;base64,{data}")).blob();
    const buffer = await new Response(compressed.stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    return new Response(buffer, {{ "headers": {{ "Content-Type": "application/wasm" }} }});
    """
    # As upstream does: str.find for both markers, unchecked.
    start = source.find(MARKER_OPEN) + len(MARKER_OPEN)
    end = source.find(MARKER_CLOSE)
    return source[:start] + body + source[end:]
