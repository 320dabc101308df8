// Names the loader's JavaScript uses that no module of it declares, so an
// editor and tsc can follow every name: the functions the build puts
// ahead of widget.js's joined modules, outside the minified part, and the
// placeholders the build fills with values (assets/bundle.go, fillJS).

/** The marker function (fetchviewer.js): the Viewer's Response; inline mode rewrites its body. */
declare function fetchViewer(url: string | null, init: RequestInit, Response?: any): Promise<Response | null>;
/** Where the Go loader comes from: the file next to the module, or the loader itself. */
declare function loaderSource(): { url?: string; gzip?: string };

declare const __VIEWER_URL__: string;
declare const __GLUE_INIT_OBJECT__: boolean;
declare const __GLUE__: () => any;
declare const __SIMD_PROBE__: number[];
declare const __VIEWER_EVENTS__: string[];
declare const __LIFECYCLE_EVENTS__: string[];
declare const __WASM_EXEC__: void;

// Newer than the TypeScript the tests pin: feature-tested before use.
interface ArrayBuffer {
  readonly detached?: boolean;
}
interface SharedArrayBuffer {
  readonly detached?: boolean;
}
interface Uint8ArrayConstructor {
  fromBase64?(text: string): Uint8Array<ArrayBuffer>;
}
