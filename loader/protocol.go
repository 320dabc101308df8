package loader

import (
	"errors"
	"strconv"
)

// messageKind is the type of a kernel → widget message (docs/protocol.md, "Messages").
type messageKind string

// The message types rerun_notebook sends.
const (
	kindRRD            messageKind = "rrd"
	kindTable          messageKind = "table"
	kindTimeCtrl       messageKind = "time_ctrl"
	kindRecordingID    messageKind = "recording_id"
	kindPartitionURL   messageKind = "partition_url"
	kindOpenURL        messageKind = "open_url"
	kindCloseURL       messageKind = "close_url"
	kindSetCredentials messageKind = "set_credentials"
)

// The messages a web page's WebViewer adds for its channels
// (open_channel()): each is a stream of its own in the Viewer, which
// close_channel ends.
const (
	kindOpenChannel  messageKind = "open_channel"
	kindCloseChannel messageKind = "close_channel"
)

// kernelMessage is a decoded kernel → widget message. Which fields are set
// depends on Kind.
type kernelMessage struct {
	Kind messageKind

	// Timeline is the time_ctrl timeline; nil means the active one.
	Timeline *string
	// Time is the time_ctrl time; nil leaves the time alone.
	Time *float64
	// Play is time_ctrl's play flag.
	Play bool

	// ID is the recording_id's recording id.
	ID string
	// URL is open_url's and close_url's url, and partition_url's new URL
	// ("" closes the current one without opening another).
	URL string
	// Follow is open_url's follow_if_http: an HTTP recording is opened in
	// following mode (the page's WebViewer.open option; kernels leave it
	// out).
	Follow bool

	// AccessToken and Email are set_credentials' fields.
	AccessToken, Email string

	// Channel is the page's channel that rrd, table, open_channel and
	// close_channel are for ("": the widget's own), and Name the name
	// open_channel gives it.
	Channel, Name string
}

// needsBuffer reports whether the message carries its payload in
// buffers[0].
func (m kernelMessage) needsBuffer() bool {
	return m.Kind == kindRRD || m.Kind == kindTable
}

// fieldType is the JavaScript type of a message field, as far as the
// protocol cares.
type fieldType int

// Field types.
const (
	fieldMissing fieldType = iota // undefined or absent
	fieldNull
	fieldString
	fieldNumber
	fieldBool
	fieldOther // objects, arrays, functions…
)

// field is one field of a message's content.
type field struct {
	Type fieldType
	Str  string
	Num  float64
	Bool bool
	Obj  fieldReader // the object's fields, when it is an object (Type Other)
}

// fieldReader reads the fields of a message's content. The browser side reads
// them from a JavaScript object; tests from a map.
type fieldReader interface {
	Field(name string) field
}

// errNotObject reports content that is not an object.
var errNotObject = errors.New("the message is not an object")

// messageError is a message the widget ignores, with the reason.
type messageError struct {
	Kind   string // the message's type, if it had a readable one
	Reason string
}

func (e *messageError) Error() string {
	if e.Kind == "" {
		return "ignored a message from the kernel: " + e.Reason
	}
	return "ignored a " + strconv.Quote(e.Kind) + " message from the kernel: " + e.Reason
}

// unknownMessage is a message of a type this loader does not know: from a
// newer rerun_notebook, most likely. It is noted once on the console, not
// shown in the widget: the Viewer is fine.
type unknownMessage struct{ Kind string }

func (e *unknownMessage) Error() string {
	return "ignored " + strconv.Quote(e.Kind) + " messages from the kernel: this loader does not know that type (from a newer rerun_notebook?)"
}

// A fieldRule is one field a message kind reads: what it must hold,
// whether it may be absent or null, and where its value goes.
type fieldRule struct {
	name string
	typ  fieldType // String, Number or Bool
	// optional allows an absent or null field, which leaves the Message
	// as it is.
	optional bool
	// nonEmpty refuses an empty string, and an absent or null field.
	nonEmpty bool
	set      func(*kernelMessage, field)
}

// messageRules are the fields of each message type (docs/protocol.md, "Messages").
var messageRules = map[messageKind][]fieldRule{
	kindRRD:   {channelRule(true)},
	kindTable: {channelRule(true)},
	kindTimeCtrl: {
		{name: "timeline", typ: fieldString, optional: true, set: func(m *kernelMessage, f field) { m.Timeline = &f.Str }},
		{name: "time", typ: fieldNumber, optional: true, set: func(m *kernelMessage, f field) { m.Time = &f.Num }},
		{name: "play", typ: fieldBool, optional: true, set: func(m *kernelMessage, f field) { m.Play = f.Bool }},
	},
	kindRecordingID: {
		{name: "recording_id", typ: fieldString, optional: true, nonEmpty: true, set: func(m *kernelMessage, f field) { m.ID = f.Str }},
	},
	kindPartitionURL: {
		{name: "partition_url", typ: fieldString, optional: true, set: func(m *kernelMessage, f field) { m.URL = f.Str }},
	},
	kindOpenURL: {
		{name: "url", typ: fieldString, nonEmpty: true, set: func(m *kernelMessage, f field) { m.URL = f.Str }},
		{name: "follow_if_http", typ: fieldBool, optional: true, set: func(m *kernelMessage, f field) { m.Follow = f.Bool }},
	},
	kindCloseURL: {
		{name: "url", typ: fieldString, nonEmpty: true, set: func(m *kernelMessage, f field) { m.URL = f.Str }},
	},
	kindSetCredentials: {
		{name: "access_token", typ: fieldString, set: func(m *kernelMessage, f field) { m.AccessToken = f.Str }},
		{name: "email", typ: fieldString, set: func(m *kernelMessage, f field) { m.Email = f.Str }},
	},
	kindOpenChannel: {
		channelRule(false),
		{name: "name", typ: fieldString, optional: true, set: func(m *kernelMessage, f field) { m.Name = f.Str }},
	},
	kindCloseChannel: {channelRule(false)},
}

// channelRule is the channel field, optional in the data messages (which
// go to the widget's own channel without it).
func channelRule(optional bool) fieldRule {
	return fieldRule{name: "channel", typ: fieldString, optional: optional, nonEmpty: !optional,
		set: func(m *kernelMessage, f field) { m.Channel = f.Str }}
}

// decodeMessage checks a message's content against the protocol and
// returns it typed, or a *messageError saying what is wrong with it.
func decodeMessage(f fieldReader) (kernelMessage, error) {
	typ := f.Field("type")
	if typ.Type != fieldString {
		return kernelMessage{}, &messageError{Reason: "its type is " + describeField(typ) + ", want a string"}
	}
	rules, known := messageRules[messageKind(typ.Str)]
	if !known {
		return kernelMessage{}, &unknownMessage{Kind: typ.Str}
	}
	m := kernelMessage{Kind: messageKind(typ.Str)}
	for _, r := range rules {
		v := f.Field(r.name)
		if reason := r.check(v); reason != "" {
			return kernelMessage{}, &messageError{Kind: typ.Str, Reason: reason}
		}
		if v.Type == r.typ {
			r.set(&m, v)
		}
	}
	return m, nil
}

// check returns what is wrong with v for r, or "".
func (r fieldRule) check(v field) string {
	switch {
	case v.Type == r.typ && r.nonEmpty && v.Str == "",
		r.optional && r.nonEmpty && (v.Type == fieldNull || v.Type == fieldMissing):
		return r.name + " is empty"
	case v.Type == r.typ, r.optional && (v.Type == fieldNull || v.Type == fieldMissing):
		return ""
	}
	want := map[fieldType]string{fieldString: "a string", fieldNumber: "a number", fieldBool: "a boolean"}[r.typ]
	if r.optional {
		want += " or null"
	}
	return r.name + " is " + describeField(v) + ", want " + want
}

func describeField(f field) string {
	switch f.Type {
	case fieldMissing:
		return "missing"
	case fieldNull:
		return "null"
	case fieldString:
		return "the string " + strconv.Quote(f.Str)
	case fieldNumber:
		return "the number " + strconv.FormatFloat(f.Num, 'g', -1, 64)
	case fieldBool:
		return "a boolean"
	}
	return "an object"
}

// panels are the Viewer panels _panel_states can set.
var panels = [...]string{"top", "blueprint", "selection", "time"}

// panelState validates one entry of _panel_states: "expanded",
// "collapsed" or "hidden", or missing/null for the Viewer's default.
// It returns the state to apply ("" for the default).
func panelState(panel string, f field) (string, error) {
	switch f.Type {
	case fieldMissing, fieldNull:
		return "", nil
	case fieldString:
		switch f.Str {
		case "expanded", "collapsed", "hidden":
			return f.Str, nil
		}
	}
	return "", errors.New("_panel_states." + panel + " is " + describeField(f) + `, want "expanded", "collapsed" or "hidden"`)
}
