/**
 * mount starts a Viewer in element and resolves to its WebViewer once it
 * runs. options: recording (a URL or an array of URLs), width and height
 * (px numbers, CSS lengths or "auto"; default "auto": the element's width
 * at 16:9), theme, panelStates, fallbackToken, viewer (the URL of
 * re_viewer_bg.wasm), signal (an AbortSignal that destroys it), and any
 * WebViewer.start option. Rejects with an Error that says what failed and
 * what to do; the element shows it too.
 */
export async function mount(element, options = {}) {
  if (!(element instanceof Element)) throw new TypeError("mount: the first argument must be an element");
  const { recording, width = "auto", height = "auto", theme, panelStates, fallbackToken, signal, ...rest } = options;
  signal?.throwIfAborted();
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
    if (e instanceof Error) e.viewer = viewer;
    throw e;
  }
  signal?.throwIfAborted();
  return viewer;
}

