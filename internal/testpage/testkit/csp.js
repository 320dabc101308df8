// The strict-CSP page's script: records policy violations and the
// element's events (inline scripts are not allowed there).
import { record } from "./elements.js";

window.violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
window.elements = [record(document.querySelector("rerun-viewer"))];
