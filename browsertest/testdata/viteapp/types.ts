// The build folder's types as a TypeScript app uses them: tsc --noEmit
// must accept this file against widget.d.ts and rerun-viewer.d.ts.
import widget, { mount, WebViewer, type ViewerEvent } from "@gorerun/rerun-viewer";
import "@gorerun/rerun-viewer/element";

export async function use(host: HTMLElement): Promise<string | null> {
  const viewer: WebViewer = await mount(host, { recording: ["a.rrd", "b.rrd"], width: 480, height: "auto", theme: "dark" });
  const off = viewer.on("recording_open", (e) => console.log(e.recording_id, e.source));
  off();
  viewer.once("time_update", (e) => console.log(e.time.toFixed(1)));
  const channel = viewer.open_channel("bytes");
  channel.send_rrd(new Uint8Array(8));
  channel.close();
  viewer.override_panel_state("top", "hidden");
  const rec = viewer.get_active_recording_id();
  if (rec) {
    const timeline = viewer.get_active_timeline(rec);
    const range = timeline ? viewer.get_time_range(rec, timeline) : null;
    if (timeline && range) viewer.set_current_time(rec, timeline, range.min);
  }
  const element = document.createElement("rerun-viewer");
  const inner: WebViewer | null = element.viewer;
  inner?.stop();
  const events: ViewerEvent["type"][] = ["play", "pause"];
  await new WebViewer().start("c.rrd", host, { width: "640px", hide_welcome_screen: true });
  void widget.render;
  return events.length ? rec : null;
}
