// Returns where widget.js's Go loader comes from: the file next to this
// module, written as a literal new URL(…, import.meta.url) so that
// bundlers see the asset, copy it and rewrite the URL; "" when the module
// has no directory (a blob: or data: URL).
function loaderSource() {
  try {
    return { url: new URL("./__LOADER_FILE__", import.meta.url).href };
  } catch {
    return { url: "" };
  }
}
