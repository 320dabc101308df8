# The two commands a newcomer needs: `make run` and `make test`. Both install
# what is missing (Chromium from Debian, Node/npm, the pinned Viewer) first.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
PORT ?= 8080
# Downloads, builds and precompressed files are cached by content in
# $LOADER_CACHE (default ~/.cache/gorerun-loader), shared by every checkout.
# A real recording for the demo page of `make run`, when ../shared is there.
RECORDING ?= $(firstword $(wildcard ../shared/fixtures/rrd/bwright000__DDS-SLAM__stereomis_recon.rrd))

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# apt_install installs Debian packages quietly.
apt_install = $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(1) >/dev/null
WASM_EXEC := $(shell $(GO) env GOROOT)/lib/wasm/go_js_wasm_exec
LOADER := build/bin/loader
WASM_PKGS := ./loader/... ./wasmjs/... ./cmd/loader/...

.PHONY: run test build dist bench bench-many bench-server compat viewer deps chromium node nginx wrk python loader vet test-race test-native test-wasm test-busy clean

# Serves the pinned Viewer built into the cache: on a first run from a quick
# compression within seconds, swapped for the quality-11 one when it is
# done (see README). `make build` writes build/dist for static hosts.
run: node loader
	$(LOADER) serve --port $(PORT) $(if $(RECORDING),--recording $(RECORDING))

# vet and the race and GOOS=js runs leave a core idle much of the time: they
# run side by side, each one's output kept together, before the long
# native run.
test: deps viewer
	@$(MAKE) --no-print-directory -j3 -Otarget vet test-race test-wasm
	@$(MAKE) --no-print-directory test-busy
	@$(MAKE) --no-print-directory test-native

build: viewer
	$(LOADER) build --viewer "$$($(LOADER) viewer)" --out build/dist

# Our widget.js against the upstream loader, side by side in one Chromium:
# medians and B/A ratios in build/bench/bench.md (printed), bench.png and
# bench.json. `make test` runs it once, as a smoke test.
RUNS ?= 5
bench: chromium viewer
	$(GO) run ./bench/widget --runs $(RUNS) --out build/bench

# Many Viewers on one page, upstream's loader vs ours: contexts lost,
# silently broken Viewers, time to show when scrolled to, renderer memory
# (build/bench-many/many.md, printed).
WIDGETS ?= 20,50
bench-many: chromium viewer
	$(GO) run ./bench/many --widgets $(WIDGETS) --out build/bench-many

# Our server vs nginx vs python3 -m http.server on the same build, loopback.
bench-server: build nginx wrk
	$(GO) run ./bench/server --dir build/dist --loader $(LOADER)

# Every Viewer on npm from 0.20 on, each built and run in the notebook
# widget, the <rerun-viewer> element and `loader check` with a recording
# it opens: ready, open and drawn, or why not (build/compat/compat.md,
# printed). VERSIONS=0.24.1,0.33.0 picks others.
compat: chromium node
	$(GO) run ./internal/compat --out build/compat $(if $(VERSIONS),--versions $(VERSIONS))

viewer: node loader
	@$(LOADER) viewer >/dev/null

# The binary carries its loader Wasm, built as a release is
# (internal/release); the go command relinks neither when nothing changed.
loader:
	@$(GO) run ./internal/release --binary $(LOADER)

# Archives of the binary for linux, darwin and windows on amd64 and arm64,
# the static bundle of the pinned Viewer, and SHA256SUMS, in build/release.
dist: viewer
	$(GO) run ./internal/release --out build/release

deps: chromium node nginx python

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Chromium (Debian package chromium)…"; \
	  $(call apt_install,chromium); }

# nginx with brotli_static, for testing the generated nginx.conf.
nginx:
	@test -x /usr/sbin/nginx -a -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so || { \
	  echo "installing nginx and its brotli_static module…"; \
	  $(call apt_install,nginx libnginx-mod-http-brotli-static); }

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "installing wrk…"; \
	  $(call apt_install,wrk); }

# Debian's python3 and venv, for the stand-in rerun_notebook environments.
python:
	@test -x /usr/bin/python3 && /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "installing python3 and python3-venv…"; \
	  $(call apt_install,python3 python3-venv); }

node:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  echo "installing Node.js and npm…"; \
	  $(call apt_install,nodejs npm); }

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(WASM_PKGS)

# The loader's core (shared Viewer load, widget lifecycle), wasmjs's
# cancellation, the server and the tooling build natively: the race
# detector sees them. -short leaves the Chromium runs of check and the
# heaviest server loads to test-native.
test-race:
	$(GO) test -race -short -count=1 ./loader/... ./wasmjs/... ./internal/... ./server/... ./check/...

# GOOS=js unit tests run in Node through Go's own wrapper.
test-wasm: node
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec "$(WASM_EXEC)" $(WASM_PKGS)

# Native tests, including the end-to-end tests in headless Chromium. go
# test runs as many packages at once as there are cores, and each of
# browsertest's Chromium tests draws with SwiftShader on the CPU: one test
# per core in a package keeps them busy without queueing frames behind
# each other. No test bounds wall-clock time, so a busy machine makes the
# run slower, not red.
NPROC := $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
test-native: chromium nginx viewer
	$(GO) test -count=1 -parallel $(NPROC) -timeout 30m -skip '$(BUSY_TESTS)' ./...

# The inline-mode test under CPU load makes the load it tests (four
# CPU-bound jobs beside the browser) and measures the host's part of
# anywidget's 2 s: it runs alone, before the rest, so that its load is the
# only one.
BUSY_TESTS := OnABusyMachine
test-busy: chromium viewer
	$(GO) test -count=1 -timeout 10m -run '$(BUSY_TESTS)' -v ./browsertest/ 2>&1 | grep -v '^=== \|compressing' 

clean:
	rm -rf build
