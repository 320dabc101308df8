// What tests do to <rerun-viewer> elements: add one with attributes from a
// rerun-viewer.js URL, and read the events it dispatched.

window.elements ??= [];

const EVENTS = ["ready", "recording_open", "error", "time_update", "play", "pause"];

// record makes el keep the events it dispatches, with the time they came.
export function record(el) {
  el.events = [];
  for (const type of EVENTS) {
    el.addEventListener(type, (e) => el.events.push({ type, detail: e.detail ?? null, at: performance.now() }));
  }
  return el;
}

// addElement imports the element module from url, appends a
// <rerun-viewer> with attrs to parent, and returns its index in
// window.elements and the time it was inserted.
export async function addElement(url, attrs, parent = document.body) {
  await import(url);
  const el = record(document.createElement("rerun-viewer"));
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  el.insertedAt = performance.now();
  parent.append(el);
  window.elements.push(el);
  return window.elements.length - 1;
}

// count returns how many events of type element i dispatched.
export function count(i, type) {
  return window.elements[i].events.filter((e) => e.type === type).length;
}
