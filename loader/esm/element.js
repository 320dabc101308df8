// rerun-viewer.js: the <rerun-viewer> element. It imports widget.js from
// next to itself, so it shares the page's Go loader and compiled Viewer
// with every WebViewer and notebook widget of the same build.
import { mount } from "./__WIDGET_FILE__";

const EVENTS = [...__VIEWER_EVENTS__, ...__LIFECYCLE_EVENTS__];

// size reads a width or height attribute: a number is pixels, anything
// else ("auto", "100%", "60vh") is passed on; absent means "auto".
function size(value) {
  if (value === null || value.trim() === "") return "auto";
  return /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value.trim();
}

function urls(value) {
  return (value ?? "").split(/\s+/).filter(Boolean);
}

class RerunViewerElement extends HTMLElement {
  static observedAttributes = ["src", "width", "height", "theme", "panel-states", "viewer", "loader", "loading"];

  #viewer = null;
  #life = null; // aborted when the element leaves the document
  #opened = [];
  #observer = null;

  /** The element's WebViewer once it runs, else null. */
  get viewer() {
    return this.#viewer;
  }

  connectedCallback() {
    if (this.#life) return;
    const life = new AbortController();
    this.#life = life;
    if (getComputedStyle(this).display === "inline") this.style.display = "block";
    if (this.getAttribute("loading") !== "lazy") {
      this.#start(life.signal);
      return;
    }
    // Nothing is fetched, compiled or booted before the element nears
    // the viewport.
    this.#observer = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      this.#observer.disconnect();
      this.#observer = null;
      this.#start(life.signal);
    }, { rootMargin: "200px" });
    this.#observer.observe(this);
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#observer = null;
    this.#life?.abort();
    this.#life = null;
    this.#viewer = null;
    this.#opened = [];
  }

  attributeChangedCallback(name) {
    const viewer = this.#viewer;
    if (!viewer?.ready) return; // the start reads every attribute
    try {
      switch (name) {
        case "src":
          this.#syncSources();
          break;
        case "width":
        case "height":
          viewer.setSize(size(this.getAttribute("width")), size(this.getAttribute("height")));
          break;
        case "theme":
          viewer.setTheme(this.getAttribute("theme") ?? undefined);
          break;
        case "panel-states":
          viewer.setPanelStates(this.#panelStates());
          break;
      }
    } catch (e) {
      this.#error(e);
    }
  }

  async #start(signal) {
    let viewer;
    try {
      viewer = await mount(this, {
        width: size(this.getAttribute("width")),
        height: size(this.getAttribute("height")),
        theme: this.getAttribute("theme") ?? undefined,
        panelStates: this.#panelStates(),
        viewer: this.getAttribute("viewer") ?? undefined,
        loader: this.getAttribute("loader") ?? undefined,
        maxRunningViewers: this.hasAttribute("max-running-viewers") ? Number(this.getAttribute("max-running-viewers")) : undefined,
        signal,
      });
    } catch (e) {
      if (!signal.aborted) this.#error(e);
      // A failure that Retry can cure leaves the Viewer in the element.
      viewer = e?.viewer;
      if (!viewer || signal.aborted) return;
      await new Promise((resolve) => viewer.once("ready", resolve));
      if (signal.aborted) return;
    }
    this.#viewer = viewer;
    for (const name of EVENTS) {
      viewer.on(name, (detail) => this.dispatchEvent(new CustomEvent(name, { detail })));
    }
    viewer.on("error", (detail) => this.dispatchEvent(new CustomEvent("error", { detail })));
    this.dispatchEvent(new CustomEvent("ready"));
    try {
      this.#syncSources();
    } catch (e) {
      this.#error(e);
    }
  }

  // #syncSources opens the src URLs not open yet and closes those no
  // longer listed.
  #syncSources() {
    const want = urls(this.getAttribute("src"));
    const gone = this.#opened.filter((u) => !want.includes(u));
    const added = want.filter((u) => !this.#opened.includes(u));
    if (gone.length) this.#viewer.close(gone);
    if (added.length) this.#viewer.open(added);
    this.#opened = want;
  }

  #panelStates() {
    const raw = this.getAttribute("panel-states");
    if (!raw) return undefined;
    try {
      return JSON.parse(raw);
    } catch (e) {
      this.#error(new Error(`panel-states is not JSON (${e.message}); want e.g. {"top": "hidden"}`));
      return undefined;
    }
  }

  #error(e) {
    const message = e && e.message ? e.message : String(e);
    console.error("<rerun-viewer>:", message);
    this.dispatchEvent(new CustomEvent("error", { detail: { message } }));
  }
}

if (!customElements.get("rerun-viewer")) customElements.define("rerun-viewer", RerunViewerElement);

export { RerunViewerElement };
