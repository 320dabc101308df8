// The notebook demo: widget.js driven the way anywidget drives it in
// Jupyter, with the recording sent as the kernel would.
import { Model, load, mount } from "./host.js";

const status = document.getElementById("status");
document.getElementById("asset").textContent = new URL("widget.js", location.href).href;
try {
  const widget = await load({ url: new URL("widget.js", location.href).href });
  const model = new Model({ _width: "auto", _height: "auto", _url: null, _panel_states: null });
  await mount(widget, model, document.getElementById("viewer"));
  await model.waitFor((m) => m === "ready", 120000);
  status.textContent = "Viewer ready; sending the recording…";
  const resp = await fetch("recording.rrd");
  const bytes = new Uint8Array(await resp.arrayBuffer());
  model.deliver({ type: "rrd" }, [new DataView(bytes.buffer)]);
  await model.waitFor((m) => typeof m === "string" && m.includes('"recording_open"'), 60000);
  status.textContent = "Recording open.";
} catch (e) {
  status.textContent = "Failed: " + e;
}
