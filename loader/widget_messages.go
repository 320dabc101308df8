package loader

import (
	"errors"
	"github.com/gorerun/loader/names"
	"slices"
	"strings"

	"github.com/gorerun/loader/wasmjs"
)

// traits are the synced traits the widget follows.
var traits = names.Traits

// handle handles one item of the inbox.
func (w *widget) handle(it item) {
	if it.control != controlNone {
		w.handleControl(it)
		return
	}
	if it.trait == names.TraitWidth || it.trait == names.TraitHeight {
		w.resize()
		return
	}
	if w.holds() {
		w.held = append(w.held, it)
		return
	}
	if w.restore.recording != "" {
		// The wait gave up, and the kernel has spoken since: its word
		// wins over the state saved before.
		w.endRestore()
		w.saved = viewerState{}
	}
	if w.state != stateRunning {
		return // failed: the widget shows why
	}
	var err error
	if it.trait != "" {
		err = w.traitChanged(it.trait)
	} else {
		err = w.dispatch(it.msg)
	}
	unknown, isUnknown := wasmjs.As[*unknownMessage](err)
	switch {
	case isUnknown:
		if !slices.Contains(w.unknownKinds, unknown.Kind) {
			w.unknownKinds = append(w.unknownKinds, unknown.Kind)
			w.page.info(err.Error())
		}
	case err != nil:
		w.report(err)
	}
}

func (w *widget) traitChanged(name string) error {
	switch name {
	case names.TraitURL:
		return w.syncURL()
	case names.TraitPanelStates:
		w.applyPanelStates()
	case names.TraitTheme, names.TraitFallbackToken:
		if w.currentOptions() != w.opts {
			return w.restart()
		}
	}
	return nil
}

func (w *widget) dispatch(msg message) error {
	if msg.content.Obj == nil {
		return &messageError{Reason: errNotObject.Error()}
	}
	m, err := decodeMessage(msg.content.Obj)
	if err != nil {
		return err
	}
	var data payload
	if m.needsBuffer() {
		if msg.payload == nil {
			return &messageError{Kind: string(m.Kind), Reason: "it carries no buffer"}
		}
		if data, err = msg.payload(); err != nil {
			return &messageError{Kind: string(m.Kind), Reason: err.Error()}
		}
	}
	v := w.viewer
	switch m.Kind {
	case kindRRD, kindTable:
		if err := v.sendData(m.Channel, m.Kind, data); err != nil {
			return err
		}
		w.keepForReplay(m.Channel, m.Kind, data)
		return nil
	case kindOpenChannel:
		if err := v.openChannel(m.Channel, m.Name); err != nil {
			return err
		}
		w.channels = append(w.channels, pageChannel{id: m.Channel, name: m.Name})
		return nil
	case kindCloseChannel:
		for i := range w.channels {
			if w.channels[i].id == m.Channel {
				w.channels[i].closed = true
			}
		}
		return v.closeChannel(m.Channel)
	case kindTimeCtrl:
		return v.timeCtrl(m.Timeline, m.Time, m.Play)
	case kindRecordingID:
		return v.setRecordingID(m.ID)
	case kindPartitionURL:
		return w.switchURL(m.URL)
	case kindOpenURL:
		if err := v.openURL(m.URL, m.Follow); err != nil {
			return err
		}
		w.forget(m.URL)
		w.opened = append(w.opened, openedURL{m.URL, m.Follow})
		return nil
	case kindCloseURL:
		w.forget(m.URL)
		return v.closeURL(m.URL)
	case kindSetCredentials:
		return v.setCredentials(m.AccessToken, m.Email)
	}
	return nil
}

type openedURL struct {
	url    string
	follow bool
}

// pageChannel is a channel a web page's WebViewer opened: a restarted
// Viewer opens it again, is sent its data again and sees it closed again.
type pageChannel struct {
	id, name string
	closed   bool
}

// forget drops url from the URLs to open again after a restart.
func (w *widget) forget(url string) {
	w.opened = slices.DeleteFunc(w.opened, func(o openedURL) bool { return o.url == url })
}

// forwardEvent sends an event of the Viewer numbered gen to the kernel
// untouched, as upstream does: Python parses it, so parsing it here would
// be wasted work. The widget hears of it too: while a revived Viewer's
// state waits for its recording, the event is news that the Viewer works,
// and its recording_open puts the state back.
func (w *widget) forwardEvent(gen int, event string) {
	if err := w.model.send(event); err != nil {
		w.page.log("forward a viewer event: " + err.Error())
	}
	w.inbox.push(item{control: controlNews, gen: gen, event: event})
}

// opens reports whether a Viewer event says the recording id opened. The
// event is the Viewer's JSON text; the loader carries no JSON decoder.
func opens(event, id string) bool {
	return strings.Contains(event, `"recording_open"`) && strings.Contains(event, `"`+id+`"`)
}

// currentOptions reads the traits that become Viewer start options.
func (w *widget) currentOptions() viewerOptions {
	var o viewerOptions
	if token := w.trait(names.TraitFallbackToken); token.Type == fieldString {
		o.fallbackToken, o.hasToken = token.Str, true
	}
	if theme := w.trait(names.TraitTheme); theme.Type == fieldString {
		o.theme = theme.Str
	}
	return o
}

// trait reads a synced trait; a model that cannot say is reported and
// read as unset.
func (w *widget) trait(name string) field {
	f, err := w.model.get(name)
	if err != nil {
		w.report(errors.Join(errors.New("read "+name+" from the model"), err))
		return field{Type: fieldMissing}
	}
	return f
}

func (w *widget) resize() {
	w.ui.resize(lengthOf(w.trait(names.TraitWidth)), lengthOf(w.trait(names.TraitHeight)))
}

func lengthOf(f field) length {
	switch f.Type {
	case fieldNumber:
		return length{Pixels: f.Num, IsPx: true}
	case fieldString:
		return length{Auto: f.Str == "auto", CSS: cssLength(f.Str)}
	}
	return length{}
}

// panelStates reads _panel_states as panel → state ("" for the default),
// reporting invalid entries.
func (w *widget) panelStates() map[string]string {
	v := w.trait(names.TraitPanelStates)
	states := map[string]string{}
	if v.Obj == nil {
		if v.Type != fieldNull && v.Type != fieldMissing {
			w.report(errors.New(names.TraitPanelStates + " is " + describeField(v) + ", want an object or null"))
		}
		return states
	}
	for _, panel := range panels {
		state, err := panelState(panel, v.Obj.Field(panel))
		if err != nil {
			w.report(err)
			continue
		}
		states[panel] = state
	}
	return states
}

func (w *widget) applyPanelStates() {
	states := w.panelStates()
	for _, panel := range panels {
		state, ok := states[panel]
		if !ok {
			continue
		}
		if err := w.viewer.overridePanel(panel, state); err != nil {
			w.report(err)
		}
	}
}

// syncURL makes the Viewer's open URL match _url.
func (w *widget) syncURL() error {
	want := ""
	if u := w.trait(names.TraitURL); u.Type == fieldString {
		want = u.Str
	}
	return w.switchURL(want)
}

// switchURL closes the URL the Viewer has open and opens another ("" for
// none), as _url changes and partition_url messages ask.
func (w *widget) switchURL(url string) error {
	if url == w.url {
		return nil
	}
	if w.url != "" {
		if err := w.viewer.closeURL(w.url); err != nil {
			return err
		}
	}
	w.url = ""
	if url != "" {
		if err := w.viewer.openURL(url, false); err != nil {
			return err
		}
	}
	w.url = url
	return nil
}
