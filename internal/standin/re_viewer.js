
export default function() {
    // A stand-in for the wasm-bindgen glue of @rerun-io/web-viewer. Tests
    // steer it through globalThis.fakeViewer: calls (every call, in
    // order), hold (a promise start waits for), startError, panicMessage.
    const fake = globalThis.fakeViewer ??= { calls: [], instances: 0, live: 0 };
    let instance = null;
    const record = (name, args) => fake.calls.push([name, ...args.map((a) => a instanceof Uint8Array ? "bytes:" + a.byteLength + ":" + a[0] : a)]);
    class WebHandle {
        constructor(options) {
            record("new", [JSON.stringify(Object.keys(options).sort())]);
            this.options = options;
            fake.options = options;
            fake.live++;
        }
        async start(canvas) {
            record("start", [canvas instanceof HTMLCanvasElement]);
            fake.startSize = [canvas.clientWidth, canvas.clientHeight];
            // A context of its own, as the Viewer's renderer takes one: tests
            // count them and take them away (WEBGL_lose_context).
            this.gl = canvas.getContext("webgl2");
            if (fake.hold) await fake.hold;
            if (fake.startError) throw new Error(fake.startError);
            this.options.on_viewer_event(JSON.stringify({ type: "started", recording_id: "fake" }));
        }
        has_panicked() { return fake.panicMessage !== undefined; }
        panic_message() { return fake.panicMessage; }
        destroy() { record("destroy", []); }
        free() { record("free", []); fake.live--; }
    }
    for (const m of ["add_receiver", "remove_receiver", "open_channel", "close_channel", "send_rrd_to_channel",
        "send_table_to_channel", "override_panel_state", "set_active_recording_id", "set_active_timeline",
        "set_playing", "set_time_for_timeline", "set_credentials"]) {
        WebHandle.prototype[m] = function (...args) { record(m, args); };
    }
    WebHandle.prototype.get_active_recording_id = function () { record("get_active_recording_id", []); return fake.activeRecording ?? null; };
    WebHandle.prototype.get_active_timeline = function (rec) { record("get_active_timeline", [rec]); return fake.activeTimeline ?? null; };
    WebHandle.prototype.get_time_for_timeline = function (rec, timeline) { record("get_time_for_timeline", [rec, timeline]); return fake.time ?? null; };
    WebHandle.prototype.get_playing = function (rec) { record("get_playing", [rec]); return fake.playing ?? false; };

    async function init({ module_or_path }) {
        record("init", [module_or_path instanceof WebAssembly.Module]);
        fake.instances++;
        instance = {};
    }
    function deinit() {
        record("deinit", []);
        instance = null;
        fake.instances--;
    }
    return Object.assign(init, { deinit, WebHandle });
}
