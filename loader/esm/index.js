// widget.js's exports: anywidget's {initialize, render} (the default
// export, anywidget.js's), upstream's WebViewer, and mount(). The build
// joins the modules into one (esm.Widget) and makes these its exports.
export { WebViewer } from "./webviewer.js";
export { mount, setMaxRunningViewers } from "./mount.js";
