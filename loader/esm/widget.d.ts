// Types of widget.js: the anywidget module (default export), WebViewer
// (the API of @rerun-io/web-viewer 0.33) and mount().

export type Panel = "top" | "blueprint" | "selection" | "time";
export type PanelState = "hidden" | "collapsed" | "expanded";
export type Backend = "webgpu" | "webgl";
export type VideoDecoder = "auto" | "prefer_software" | "prefer_hardware";
export type Theme = "dark" | "light" | "system";

export interface WebViewerOptions {
  /** The URL of re_viewer_bg.wasm. Default: the build's --viewer-url, else next to widget.js. */
  viewer?: string;
  /**
   * The URL of the Go loader, rerun-loader.wasm. Default: next to widget.js,
   * else next to the Viewer (so a widget.js imported from a blob: URL finds
   * it beside the `viewer` it is given).
   */
  loader?: string;
  /** A directory holding re_viewer_bg.wasm (upstream's spelling of `viewer`). */
  base_url?: string;
  manifest_url?: string;
  render_backend?: Backend;
  video_decoder?: VideoDecoder;
  hide_welcome_screen?: boolean;
  /** Let the Viewer go fullscreen (with the browser's Fullscreen API). */
  allow_fullscreen?: boolean;
  enable_history?: boolean;
  /** CSS width; default "640px". Numbers are pixels; "auto" fills the parent's width. */
  width?: string | number;
  /** CSS height; default "360px". Numbers are pixels; "auto" follows the width at 16:9. */
  height?: string | number;
  fallback_token?: string;
  theme?: Theme;
  login?: { signed_in_url: string; signed_out_url: string };
  panel_state_overrides?: Partial<Record<Panel, PanelState>>;
}

export interface WebViewerOpenOptions {
  follow_if_http?: boolean;
}

export type ViewerEventBase = { application_id: string; recording_id: string; partition_id?: string };
export type PlayEvent = ViewerEventBase & { type: "play" };
export type PauseEvent = ViewerEventBase & { type: "pause" };
export type TimeUpdateEvent = ViewerEventBase & { type: "time_update"; time: number };
export type TimelineChangeEvent = ViewerEventBase & { type: "timeline_change"; timeline: string; time: number };
export type EntityItem = {
  type: "entity";
  entity_path: string;
  instance_id?: number;
  view_name?: string;
  position?: [number, number, number];
};
export type ViewItem = { type: "view"; view_id: string; view_name: string };
export type ContainerItem = { type: "container"; container_id: string; container_name: string };
export type SelectionChangeItem = EntityItem | ViewItem | ContainerItem;
export type SelectionChangeEvent = ViewerEventBase & { type: "selection_change"; items: SelectionChangeItem[] };
export type RecordingOpenEvent = ViewerEventBase & { type: "recording_open"; source: string; version?: string };
export type ViewerEvent = PlayEvent | PauseEvent | TimeUpdateEvent | TimelineChangeEvent | SelectionChangeEvent | RecordingOpenEvent;

export interface WebViewerEvents {
  ready: void;
  fullscreen: boolean;
  /** The Viewer failed (it also shows why in its element). */
  error: { message: string };
  play: PlayEvent;
  pause: PauseEvent;
  time_update: TimeUpdateEvent;
  timeline_change: TimelineChangeEvent;
  selection_change: SelectionChangeEvent;
  recording_open: RecordingOpenEvent;
  /** Suspended to keep the page within its budget of running Viewers (its picture stays). */
  suspended: void;
  /** Running again after a suspension, with its data and state. */
  resumed: void;
  /** The browser took its WebGL context away; the element offers to restore it. */
  context_lost: void;
  /** Running again after a lost context, with its data and state. */
  restored: void;
}

type Callback<K extends keyof WebViewerEvents> = WebViewerEvents[K] extends void
  ? () => void
  : (value: WebViewerEvents[K]) => void;

/**
 * A channel of open_channel(): a stream of its own in the Viewer, which
 * close() ends. A restarted or resumed Viewer gets it again, with what it
 * sent (within the replay budget).
 */
export interface LogChannel {
  readonly ready: boolean;
  send_rrd(rrd_bytes: Uint8Array): void;
  send_table(table_bytes: Uint8Array): void;
  close(): void;
}

export class WebViewer {
  start(
    rrd?: string | string[] | null,
    parent?: HTMLElement | null,
    options?: WebViewerOptions | null,
    open_options?: WebViewerOpenOptions | null,
  ): Promise<void>;
  stop(): void;
  /** mount()'s name for stop(). */
  destroy(): void;
  readonly ready: boolean;
  readonly canvas: HTMLCanvasElement | null;
  on<K extends keyof WebViewerEvents>(event: K, callback: Callback<K>): () => void;
  once<K extends keyof WebViewerEvents>(event: K, callback: Callback<K>): () => void;
  off<K extends keyof WebViewerEvents>(event: K, callback: Callback<K>): void;
  open(rrd: string | string[], options?: WebViewerOpenOptions): void;
  close(rrd: string | string[]): void;
  open_channel(channel_name?: string): LogChannel;
  /** Send an .rrd to the Viewer; it is replayed when the Viewer restarts (theme change). */
  send(bytes: Uint8Array | ArrayBuffer): void;
  sendTable(bytes: Uint8Array | ArrayBuffer): void;
  setTheme(theme: Theme | undefined): void;
  setSize(width: string | number, height: string | number): void;
  setPanelStates(states: Partial<Record<Panel, PanelState | null>> | undefined): void;
  override_panel_state(panel: Panel, state?: PanelState | null): void;
  toggle_panel_overrides(value?: boolean | null): void;
  get_active_recording_id(): string | null;
  set_active_recording_id(value: string): void;
  get_playing(recording_id: string): boolean;
  set_playing(recording_id: string, value: boolean): void;
  get_current_time(recording_id: string, timeline: string): number;
  set_current_time(recording_id: string, timeline: string, time: number): void;
  get_active_timeline(recording_id: string): string | null;
  set_active_timeline(recording_id: string, timeline: string): void;
  get_time_range(recording_id: string, timeline: string): { min: number; max: number } | null;
  set_credentials(access_token: string, email: string): void;
  /** The open recording as .rrd bytes; throws where the Viewer lacks save_recording. */
  save_recording(): ReadableStream<Uint8Array>;
  /** The blueprint as .rbl bytes; throws where the Viewer lacks save_blueprint. */
  save_blueprint(): ReadableStream<Uint8Array>;
  toggle_fullscreen(): void;
}

export interface MountOptions extends Omit<WebViewerOptions, "width" | "height" | "theme" | "fallback_token" | "panel_state_overrides"> {
  /** A recording URL or URLs to open. */
  recording?: string | string[];
  /** Pixels, a CSS length, or "auto" (default: the element's width). */
  width?: number | string;
  /** Pixels, a CSS length, or "auto" (default: 16:9 of the width). */
  height?: number | string;
  theme?: Theme;
  panelStates?: Partial<Record<Panel, PanelState>>;
  fallbackToken?: string;
  /** Aborting it destroys the Viewer. */
  signal?: AbortSignal;
  /** Sets the page's budget of running Viewers (see setMaxRunningViewers). */
  maxRunningViewers?: number;
}

/**
 * Set how many Viewers of this page (widgets, elements, mount()s of this
 * build) run at once: default 8, below the browser's 16 WebGL contexts.
 * Past it the Viewer out of view longest is suspended (its picture kept,
 * its memory released) and resumes when scrolled to or clicked. Resolves
 * to the budget in force; without n it only reads it.
 */
export function setMaxRunningViewers(n?: number): Promise<number>;

/**
 * Start a Viewer in element. Resolves once it runs; rejects with an Error
 * saying what failed and what to do (the element shows it too, and
 * `error.viewer` is the WebViewer when a Retry in the element may still
 * start it).
 */
export function mount(element: Element, options?: MountOptions): Promise<WebViewer>;

declare const widget: {
  initialize(props: { model: unknown }): void;
  render(props: { model: unknown; el: HTMLElement; signal?: AbortSignal }): Promise<() => void>;
};
export default widget;
