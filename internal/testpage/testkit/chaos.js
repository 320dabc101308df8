// chaos runs a seeded random sequence of what hosts and kernels do to
// widgets (trait changes, valid, malformed and hostile messages,
// re-renders, cleanups, signal aborts) across `slots` widgets of the module
// w. It resolves with the step log; a step that throws rejects with the
// seed and the step.
export async function chaos(host, w, { seed, steps, slots = 3, traits = {} }) {
  let state = seed >>> 0;
  // mulberry32: small, fast, and the same sequence for the same seed.
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (list) => list[Math.floor(random() * list.length)];
  const bytes = () => new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2);
  const transferred = () => {
    const b = new ArrayBuffer(8);
    const v = new DataView(b);
    structuredClone(b, { transfer: [b] });
    return v;
  };
  const hostile = () => new Proxy({}, { get() { throw new Error("chaos trap"); } });

  const live = new Array(slots).fill(null); // {model, el, stop}
  const container = document.getElementById("widgets");
  async function mount(i) {
    const model = new host.Model(traits);
    const el = document.createElement("div");
    el.className = "widget";
    container.append(el);
    if (random() < 0.5) {
      const view = await host.mount(w, model, el);
      live[i] = { model, el, stop: () => view.remove() };
    } else {
      // A host that only aborts the signal and never calls the cleanup.
      const ac = new AbortController();
      await w.render({ model, el, signal: ac.signal });
      live[i] = { model, el, stop: async () => { ac.abort(); el.remove(); } };
    }
  }
  async function unmount(i) {
    const s = live[i];
    live[i] = null;
    await s.stop();
    s.el.remove();
  }

  const traitValues = {
    _width: [640, 300, "auto", "garbage", null, -5],
    _height: [480, 200, "auto", {}, null],
    _url: ["rerun+http://example.invalid/a", null, 42],
    _panel_states: [null, { top: "hidden" }, { time: "collapsed", top: "expanded" }, { top: "sideways" }, "all"],
    _theme: ["dark", "light", 7, null],
    _fallback_token: ["tok", null, {}],
  };
  const messages = [
    () => [{ type: "rrd" }, [bytes()]],
    () => [{ type: "table" }, [bytes()]],
    () => [{ type: "time_ctrl", timeline: pick(["t", null]), time: pick([1, null]), play: pick([true, false]) }, []],
    () => [{ type: "recording_id", recording_id: "r" + Math.floor(random() * 3) }, []],
    () => [{ type: "open_url", url: "https://example.invalid/x.rrd" }, []],
    () => [{ type: "close_url", url: "https://example.invalid/x.rrd" }, []],
    () => [{ type: "partition_url", partition_url: pick(["rerun+http://example.invalid/p", null]) }, []],
    () => [{ type: "set_credentials", access_token: "jwt", email: "a@b.c" }, []],
    // malformed
    () => [{ type: 5 }, []],
    () => [{ type: "nope" }, []],
    () => [{ type: "time_ctrl", time: "soon" }, []],
    () => ["not an object", []],
    () => [{ type: "rrd" }, []],
    () => [{ type: "rrd" }, ["not bytes"]],
    // hostile
    () => [{ type: "rrd" }, [transferred()]],
    () => [{ type: "table" }, hostile()],
    () => [hostile(), []],
    () => [{ get type() { throw new Error("chaos getter"); } }, []],
  ];

  const log = [];
  for (let i = 0; i < slots; i++) await mount(i);
  for (let step = 0; step < steps; step++) {
    const i = Math.floor(random() * slots);
    const r = random();
    let what;
    try {
      if (!live[i]) {
        what = "mount " + i;
        await mount(i);
      } else if (r < 0.35) {
        const name = pick(Object.keys(traitValues));
        const value = pick(traitValues[name]);
        what = "set " + i + " " + name + "=" + JSON.stringify(value);
        live[i].model.set(name, value);
      } else if (r < 0.8) {
        const [content, buffers] = pick(messages)();
        what = "deliver " + i + " " + (() => { try { return JSON.stringify(content); } catch { return "hostile"; } })();
        live[i].model.deliver(content, buffers);
      } else if (r < 0.88) {
        what = "re-render " + i;
        await unmount(i);
        await mount(i);
      } else if (r < 0.96) {
        what = "cleanup " + i;
        await unmount(i);
      } else {
        what = "wait";
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 30)));
      }
    } catch (e) {
      throw new Error("chaos seed " + seed + " step " + step + " (" + what + "): " + (e?.message ?? e));
    }
    log.push(what);
  }
  for (let i = 0; i < slots; i++) if (!live[i]) await mount(i);
  return { log, live };
}
