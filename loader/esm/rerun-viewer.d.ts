// Types of rerun-viewer.js: importing it defines <rerun-viewer>, which
// dispatches a CustomEvent named after each WebViewerEvents key, with the
// event as its detail.
import type { WebViewer } from "./widget.js";

export class RerunViewerElement extends HTMLElement {
  /** The element's WebViewer once it runs, else null. */
  readonly viewer: WebViewer | null;
}

declare global {
  interface HTMLElementTagNameMap {
    "rerun-viewer": RerunViewerElement;
  }
}
