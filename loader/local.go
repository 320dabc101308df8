package loader

import (
	"errors"
	"sync"
)

// localModel is the model of a Viewer that a web page drives itself
// (WebViewer, mount, <rerun-viewer>) rather than a kernel: the page sets
// its traits and posts its messages, and "ready" and the Viewer's events go
// to the page's emit. It lets those Viewers share the notebook widget's
// lifecycle (shared load, hidden start, Retry, restart and replay, panic
// watch, cleanup) unchanged.
type localModel struct {
	emit func(content any) error

	mu        sync.Mutex
	traits    map[string]field
	onChange  func(trait string)
	onMessage func(message)
	stopped   bool
}

// errViewerStopped is a message posted to a Viewer that was stopped.
var errViewerStopped = errors.New("the Viewer was stopped")

func newLocalModel(traits map[string]field, emit func(content any) error) *localModel {
	if traits == nil {
		traits = map[string]field{}
	}
	return &localModel{traits: traits, emit: emit}
}

func (m *localModel) get(name string) (field, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.traits[name]
	if !ok {
		return field{Type: fieldMissing}, nil
	}
	return f, nil
}

func (m *localModel) listen(_ []string, onChange func(string), onMessage func(message)) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.onChange != nil {
		return nil, errors.New("the Viewer's model is listened to already")
	}
	m.onChange, m.onMessage = onChange, onMessage
	return func() {
		m.mu.Lock()
		m.onChange, m.onMessage, m.stopped = nil, nil, true
		m.mu.Unlock()
	}, nil
}

func (m *localModel) send(content any) error { return m.emit(content) }

// set changes a trait, as a kernel would, and tells the widget when the
// value differs.
func (m *localModel) set(name string, f field) error {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return errViewerStopped
	}
	old, had := m.traits[name]
	m.traits[name] = f
	onChange := m.onChange
	m.mu.Unlock()
	if onChange != nil && (!had || f.Obj != nil || old != f) {
		onChange(name)
	}
	return nil
}

// post hands the widget a message, as a kernel's custom message.
func (m *localModel) post(msg message) error {
	m.mu.Lock()
	onMessage, stopped := m.onMessage, m.stopped
	m.mu.Unlock()
	if stopped || onMessage == nil {
		return errViewerStopped
	}
	onMessage(msg)
	return nil
}

// reportingUI is a widget's ui that also tells the page when the widget
// failed: the page's own API rejects its promises and fires its error
// events from it, while the element shows the failure as a notebook would.
// Use it by pointer: the load keys its watchers by ui.
type reportingUI struct {
	ui
	onFail func(title, detail string)
}

func (r *reportingUI) fail(title, detail string, retry func()) {
	r.ui.fail(title, detail, retry)
	r.onFail(title, detail)
}
