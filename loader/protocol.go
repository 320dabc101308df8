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

// DecodeMessage checks a message's content against the protocol and
// returns it typed, or a *MessageError saying what is wrong with it.
func decodeMessage(f Fields) (Message, error) {
	typ := f.Field("type")
	if typ.Type != String {
		return Message{}, &MessageError{Reason: "its type is " + describeField(typ) + ", want a string"}
	}
	m := Message{Kind: Kind(typ.Str)}
	bad := func(reason string) (Message, error) {
		return Message{}, &MessageError{Kind: typ.Str, Reason: reason}
	}
	str := func(name string, nullable bool) (string, bool, error) {
		v := f.Field(name)
		switch {
		case v.Type == String:
			return v.Str, true, nil
		case nullable && (v.Type == Null || v.Type == Missing):
			return "", false, nil
		}
		want := "a string"
		if nullable {
			want += " or null"
		}
		return "", false, errors.New(name + " is " + describeField(v) + ", want " + want)
	}

	// boolean reads an optional boolean field; absent or null is false.
	boolean := func(name string) (bool, error) {
		switch v := f.Field(name); v.Type {
		case Bool:
			return v.Bool, nil
		case Null, Missing:
			return false, nil
		default:
			return false, errors.New(name + " is " + describeField(v) + ", want a boolean")
		}
	}

	switch m.Kind {
	case KindRRD, KindTable:
	case KindTimeCtrl:
		tl, ok, err := str("timeline", true)
		if err != nil {
			return bad(err.Error())
		}
		if ok {
			m.Timeline = &tl
		}
		switch t := f.Field("time"); t.Type {
		case Number:
			m.Time = &t.Num
		case Null, Missing:
		default:
			return bad("time is " + describeField(t) + ", want a number or null")
		}
		if m.Play, err = boolean("play"); err != nil {
			return bad(err.Error())
		}
	case KindRecordingID:
		id, ok, err := str("recording_id", true)
		if err != nil {
			return bad(err.Error())
		}
		if !ok || id == "" {
			return bad("recording_id is empty")
		}
		m.ID = id
	case KindPartitionURL:
		u, _, err := str("partition_url", true)
		if err != nil {
			return bad(err.Error())
		}
		m.URL = u
	case KindOpenURL, KindCloseURL:
		u, _, err := str("url", false)
		if err != nil {
			return bad(err.Error())
		}
		if u == "" {
			return bad("url is empty")
		}
		m.URL = u
		if m.Kind == KindOpenURL {
			if m.Follow, err = boolean("follow_if_http"); err != nil {
				return bad(err.Error())
			}
		}
	case KindSetCredentials:
		var err error
		if m.AccessToken, _, err = str("access_token", false); err != nil {
			return bad(err.Error())
		}
		if m.Email, _, err = str("email", false); err != nil {
			return bad(err.Error())
		}
	default:
		return bad("unknown message type")
	}
	return m, nil
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
