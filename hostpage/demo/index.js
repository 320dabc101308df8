// Reports the element's events under it.
const viewer = document.getElementById("viewer");
const status = document.getElementById("status");
const started = performance.now();
viewer.addEventListener("ready", () => { status.textContent = "Viewer ready; opening the recording…"; });
viewer.addEventListener("recording_open", (e) => {
  status.textContent = `Recording ${e.detail.recording_id} open (${Math.round(performance.now() - started)} ms after the page started).`;
});
viewer.addEventListener("error", (e) => { status.textContent = "Failed: " + e.detail.message; });
