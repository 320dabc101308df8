// A web app as its developer writes it: the package's mount() and its
// element, imported by name, with no bundler configuration.
import { mount } from "@gorerun/rerun-viewer";
import "@gorerun/rerun-viewer/element";

window.events = [];
const element = document.getElementById("element");
element.addEventListener("recording_open", () => window.events.push("element:recording_open"));
element.addEventListener("error", (e) => window.events.push("element:error " + e.detail.message));

mount(document.getElementById("mounted"), { recording: "recording.rrd", width: 480, height: 320 }).then(
  (viewer) => viewer.on("recording_open", () => window.events.push("mount:recording_open")),
  (e) => window.events.push("mount:error " + e.message),
);
