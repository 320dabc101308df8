import { runtime } from "./runtime.js";
import { WebViewer, pagePlace } from "./webviewer.js";
/**
 * mount starts a Viewer in element and resolves to its WebViewer once it
 * runs. options: recording (a URL or an array of URLs), width and height
 * (px numbers, CSS lengths or "auto"; default "auto": the element's width
 * at 16:9), theme, panelStates, fallbackToken, viewer (the URL of
 * re_viewer_bg.wasm), loader (the URL of the Go loader, default: next to
 * this module, else next to the Viewer), signal (an AbortSignal that destroys it), and any
 * WebViewer.start option, and maxRunningViewers (setMaxRunningViewers for the
 * page). Rejects with an Error that says what failed and
 * what to do; the element shows it too.
 */
export async function mount(element, options = {}) {
  if (!(element instanceof Element)) throw new TypeError("mount: the first argument must be an element");
  const { recording, width = "auto", height = "auto", theme, panelStates, fallbackToken, signal, maxRunningViewers,
    ...rest } = options;
  signal?.throwIfAborted();
  // The budget is the loader's: it boots from where the options say.
  if (maxRunningViewers !== undefined) await (await runtime(pagePlace(rest)).api).__API_SET_MAX_RUNNING_VIEWERS__(maxRunningViewers);
  const viewer = new WebViewer();
  const destroy = () => viewer.destroy();
  signal?.addEventListener("abort", destroy, { once: true });
  try {
    await viewer.start(recording ?? null, element, {
      hide_welcome_screen: true, ...rest, width, height, theme, fallback_token: fallbackToken,
      panel_state_overrides: panelStates,
    });
  } catch (e) {
    // The element shows the failure, with a Retry button when another try
    // may cure it: error.viewer is the WebViewer, for its ready event.
    if (e instanceof Error) /** @type {any} */ (e).viewer = viewer;
    throw e;
  }
  signal?.throwIfAborted();
  return viewer;
}


/**
 * setMaxRunningViewers sets how many Viewers of this page (widgets,
 * elements and mount()s of this build) run at once, and resolves to the
 * budget in force; without n it only reads it. Past it, the Viewer out of
 * view longest is suspended: its picture stays, its Viewer and memory go,
 * and it resumes with its data when scrolled to or clicked.
 */
export async function setMaxRunningViewers(n) {
  return (await runtime().api).__API_SET_MAX_RUNNING_VIEWERS__(n);
}
