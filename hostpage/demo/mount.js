// The mount() demo: a Viewer with a recording, and controls that call its API.
import { mount } from "./widget.js";

const $ = (id) => document.getElementById(id);
const status = $("status");
const log = (text) => { $("log").textContent = text + "\n" + $("log").textContent; };
$("url").value = new URL("recording.rrd", location.href).href;

try {
  const viewer = await mount($("viewer"), { recording: "recording.rrd", theme: $("theme").value });
  status.textContent = "Viewer ready.";
  for (const name of ["recording_open", "play", "pause", "timeline_change", "selection_change"]) {
    viewer.on(name, (e) => log(`${name} ${e.recording_id ?? ""}${e.timeline ? " " + e.timeline : ""}`));
  }
  viewer.on("error", (e) => { status.textContent = "Failed: " + e.message; });
  const playing = (value) => {
    const rec = viewer.get_active_recording_id();
    if (rec) viewer.set_playing(rec, value);
    else status.textContent = "No recording is open.";
  };
  $("open").addEventListener("click", () => viewer.open($("url").value));
  $("play").addEventListener("click", () => playing(true));
  $("pause").addEventListener("click", () => playing(false));
  $("theme").addEventListener("change", () => viewer.setTheme($("theme").value));
} catch (e) {
  status.textContent = "Failed: " + e.message;
}
