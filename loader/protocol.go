package loader

import (
	"errors"
	"strconv"
)

// Kind is the type of a kernel → widget message (PROTOCOL.md §3).
type Kind string

// The message types rerun_notebook sends.
const (
	KindRRD            Kind = "rrd"
	KindTable          Kind = "table"
	KindTimeCtrl       Kind = "time_ctrl"
	KindRecordingID    Kind = "recording_id"
	KindPartitionURL   Kind = "partition_url"
	KindOpenURL        Kind = "open_url"
	KindCloseURL       Kind = "close_url"
	KindSetCredentials Kind = "set_credentials"
)

// Message is a decoded kernel → widget message. Which fields are set
// depends on Kind.
type Message struct {
	Kind Kind

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
}

// needsBuffer reports whether the message carries its payload in
// buffers[0].
func (m Message) needsBuffer() bool {
	return m.Kind == KindRRD || m.Kind == KindTable
}

// FieldType is the JavaScript type of a message field, as far as the
// protocol cares.
type FieldType int

// Field types.
const (
	Missing FieldType = iota // undefined or absent
	Null
	String
	Number
	Bool
	Other // objects, arrays, functions…
)

// Field is one field of a message's content.
type Field struct {
	Type FieldType
	Str  string
	Num  float64
	Bool bool
	Obj  Fields // the object's fields, when it is an object (Type Other)
}

// Fields reads the fields of a message's content. The browser side reads
// them from a JavaScript object; tests from a map.
type Fields interface {
	Field(name string) Field
}

// ErrNotObject reports content that is not an object.
var errNotObject = errors.New("the message is not an object")

// MessageError is a message the widget ignores, with the reason.
type MessageError struct {
	Kind   string // the message's type, if it had a readable one
	Reason string
}

func (e *MessageError) Error() string {
	if e.Kind == "" {
		return "ignored a message from the kernel: " + e.Reason
	}
	return "ignored a " + strconv.Quote(e.Kind) + " message from the kernel: " + e.Reason
}

// A fieldRule is one field a message kind reads: what it must hold,
// whether it may be absent or null, and where its value goes.
type fieldRule struct {
	name string
	typ  FieldType // String, Number or Bool
	// optional allows an absent or null field, which leaves the Message
	// as it is.
	optional bool
	// nonEmpty refuses an empty string, and an absent or null field.
	nonEmpty bool
	set      func(*Message, Field)
}

// messageRules are the fields of each message type (PROTOCOL.md §3).
var messageRules = map[Kind][]fieldRule{
	KindRRD:   nil,
	KindTable: nil,
	KindTimeCtrl: {
		{name: "timeline", typ: String, optional: true, set: func(m *Message, f Field) { m.Timeline = &f.Str }},
		{name: "time", typ: Number, optional: true, set: func(m *Message, f Field) { m.Time = &f.Num }},
		{name: "play", typ: Bool, optional: true, set: func(m *Message, f Field) { m.Play = f.Bool }},
	},
	KindRecordingID: {
		{name: "recording_id", typ: String, optional: true, nonEmpty: true, set: func(m *Message, f Field) { m.ID = f.Str }},
	},
	KindPartitionURL: {
		{name: "partition_url", typ: String, optional: true, set: func(m *Message, f Field) { m.URL = f.Str }},
	},
	KindOpenURL: {
		{name: "url", typ: String, nonEmpty: true, set: func(m *Message, f Field) { m.URL = f.Str }},
		{name: "follow_if_http", typ: Bool, optional: true, set: func(m *Message, f Field) { m.Follow = f.Bool }},
	},
	KindCloseURL: {
		{name: "url", typ: String, nonEmpty: true, set: func(m *Message, f Field) { m.URL = f.Str }},
	},
	KindSetCredentials: {
		{name: "access_token", typ: String, set: func(m *Message, f Field) { m.AccessToken = f.Str }},
		{name: "email", typ: String, set: func(m *Message, f Field) { m.Email = f.Str }},
	},
}

// decodeMessage checks a message's content against the protocol and
// returns it typed, or a *MessageError saying what is wrong with it.
func decodeMessage(f Fields) (Message, error) {
	typ := f.Field("type")
	if typ.Type != String {
		return Message{}, &MessageError{Reason: "its type is " + describeField(typ) + ", want a string"}
	}
	rules, known := messageRules[Kind(typ.Str)]
	if !known {
		return Message{}, &MessageError{Kind: typ.Str, Reason: "unknown message type"}
	}
	m := Message{Kind: Kind(typ.Str)}
	for _, r := range rules {
		v := f.Field(r.name)
		if reason := r.check(v); reason != "" {
			return Message{}, &MessageError{Kind: typ.Str, Reason: reason}
		}
		if v.Type == r.typ {
			r.set(&m, v)
		}
	}
	return m, nil
}

// check returns what is wrong with v for r, or "".
func (r fieldRule) check(v Field) string {
	switch {
	case v.Type == r.typ && r.nonEmpty && v.Str == "",
		r.optional && r.nonEmpty && (v.Type == Null || v.Type == Missing):
		return r.name + " is empty"
	case v.Type == r.typ, r.optional && (v.Type == Null || v.Type == Missing):
		return ""
	}
	want := map[FieldType]string{String: "a string", Number: "a number", Bool: "a boolean"}[r.typ]
	if r.optional {
		want += " or null"
	}
	return r.name + " is " + describeField(v) + ", want " + want
}

func describeField(f Field) string {
	switch f.Type {
	case Missing:
		return "missing"
	case Null:
		return "null"
	case String:
		return "the string " + strconv.Quote(f.Str)
	case Number:
		return "the number " + strconv.FormatFloat(f.Num, 'g', -1, 64)
	case Bool:
		return "a boolean"
	}
	return "an object"
}

// Panels are the Viewer panels _panel_states can set.
var panels = [...]string{"top", "blueprint", "selection", "time"}

// PanelState validates one entry of _panel_states: "expanded",
// "collapsed" or "hidden", or missing/null for the Viewer's default.
// It returns the state to apply ("" for the default).
func panelState(panel string, f Field) (string, error) {
	switch f.Type {
	case Missing, Null:
		return "", nil
	case String:
		switch f.Str {
		case "expanded", "collapsed", "hidden":
			return f.Str, nil
		}
	}
	return "", errors.New("_panel_states." + panel + " is " + describeField(f) + `, want "expanded", "collapsed" or "hidden"`)
}
