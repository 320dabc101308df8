// The Viewer bound to anywidget the way rerun-notebook's widget does it,
// on top of @rerun-io/web-viewer's own loader (its index.js and glue): the
// reference for `make bench` and the stand-in rerun_notebook's
// static/widget.js. NotebookWidget bundles it. It implements what the
// bench and the tests exercise: the size traits, start, "ready" once the
// Viewer runs and its channel is open, raw events, rrd messages and
// cleanup.
import { WebViewer } from "@rerun-io/web-viewer";

function cssSize(value, auto) {
  if (value === "auto") return auto;
  return typeof value === "number" ? Math.max(200, value) + "px" : "640px";
}

function render({ model, el }) {
  el.style.width = cssSize(model.get("_width"), "100%");
  el.style.height = cssSize(model.get("_height"), "auto");

  const viewer = new WebViewer();
  let channel = null;
  const stopForwarding = viewer._on_raw_event((event) => model.send(event));
  viewer.on("ready", () => {
    channel = viewer.open_channel("temp");
    model.send("ready");
  });
  // Like upstream, the bytes are taken from the whole buffer.
  model.on("msg:custom", (msg, buffers) => {
    if (msg?.type === "rrd" && channel) channel.send_rrd(new Uint8Array(buffers[0].buffer));
  });

  viewer
    .start(model.get("_url") ?? null, el, {
      hide_welcome_screen: true,
      allow_fullscreen: true,
      width: "100%",
      height: "100%",
      fallback_token: model.get("_fallback_token") ?? undefined,
    })
    .catch((e) => console.error("Failed to start the Rerun Viewer:", e));

  return () => {
    stopForwarding();
    channel?.close();
    viewer.stop();
  };
}

export default { render };
