// anywidget's hooks: initialize boots the loader early, render hands the
// widget to the Go side.
import { binaryOf, showError } from "./runtime.js";
import { viewerURL, prepare, loaderAPI, moduleProps } from "./early.js";

function initialize() {
  // Start the Viewer's load and the boot early, in a task of their own:
  // anywidget gives the import and initialize 2 s together, and in inline
  // mode the import of a 20 MB module takes most of them on a busy
  // machine. render reports any failure in its widget.
  setTimeout(() => prepare(viewerURL()).api.catch(() => {}), 0);
}

async function render({ model, el, signal }) {
  const lifetime = new AbortController();
  const stop = () => lifetime.abort();
  if (signal) {
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  }
  let rt;
  try {
    const url = viewerURL();
    const loader = await loaderAPI(url);
    rt = loader.rt;
    const failed = loader.api.__API_RENDER__({
      __PROP_MODEL__: model, __PROP_EL__: el, __PROP_SIGNAL__: lifetime.signal, __PROP_RELAY_MESSAGE__: relayMessage,
      ...moduleProps(url, loader.early),
    });
    if (failed instanceof Error) throw failed;
    rt.views.add(el);
  } catch (e) {
    console.error("rerun loader:", e);
    showError(el, "__START_FAILED__: " + (e && e.message ? e.message : String(e)));
  }
  return () => {
    rt?.views.delete(el);
    signal?.removeEventListener("abort", stop);
    stop();
  };
}

// relayMessage makes the msg:custom listener that hands a kernel message
// to the Go callback deliver, as (content, bytes, byteLength, problem):
// its first buffer made here a Uint8Array over exactly its bytes (a
// DataView from the host may be a window into a larger buffer), where
// that costs Go no crossing, or what is wrong with it. Go decides whether
// the message needs it.
function relayMessage(deliver) {
  return (content, buffers) => {
    let first;
    try {
      if (!buffers?.length) return deliver(content, null, -1, "it carries no buffer");
      first = buffers[0];
    } catch (e) {
      return deliver(content, null, -1, "its buffers cannot be read: " + (e?.message ?? e));
    }
    const data = binaryOf(first, "its buffer");
    return deliver(content, data.bytes ?? null, data.bytes?.byteLength ?? -1, data.problem ?? "");
  };
}

export default { initialize, render };
