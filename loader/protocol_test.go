package loader

import (
	"errors"
	"strings"
	"testing"
)

// fields is a message content for tests: Go values stand for JavaScript
// ones (nil is null; an absent key is undefined).
type fields map[string]any

func (f fields) Field(name string) Field {
	v, ok := f[name]
	if !ok {
		return Field{Type: Missing}
	}
	switch x := v.(type) {
	case nil:
		return Field{Type: Null}
	case string:
		return Field{Type: String, Str: x}
	case float64:
		return Field{Type: Number, Num: x}
	case int:
		return Field{Type: Number, Num: float64(x)}
	case bool:
		return Field{Type: Bool, Bool: x}
	}
	return Field{Type: Other}
}

func ptr[T any](v T) *T { return &v }

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		name    string
		content fields
		want    Message
		errSub  string // non-empty: decoding fails with this in the error
	}{
		{"rrd", fields{"type": "rrd"}, Message{Kind: KindRRD}, ""},
		{"table", fields{"type": "table"}, Message{Kind: KindTable}, ""},
		{"time_ctrl full", fields{"type": "time_ctrl", "timeline": "log_tick", "time": 42, "play": true},
			Message{Kind: KindTimeCtrl, Timeline: ptr("log_tick"), Time: ptr(42.0), Play: true}, ""},
		{"time_ctrl nulls", fields{"type": "time_ctrl", "timeline": nil, "time": nil, "play": false},
			Message{Kind: KindTimeCtrl}, ""},
		{"time_ctrl bad time", fields{"type": "time_ctrl", "time": "soon"}, Message{}, `time is the string "soon"`},
		{"time_ctrl bad play", fields{"type": "time_ctrl", "play": 1}, Message{}, "play is the number 1"},
		{"time_ctrl bad timeline", fields{"type": "time_ctrl", "timeline": 3}, Message{}, "timeline is the number 3"},
		{"recording_id", fields{"type": "recording_id", "recording_id": "rec"}, Message{Kind: KindRecordingID, ID: "rec"}, ""},
		{"recording_id null", fields{"type": "recording_id", "recording_id": nil}, Message{}, "recording_id is empty"},
		{"partition_url", fields{"type": "partition_url", "partition_url": "rerun://h/p"}, Message{Kind: KindPartitionURL, URL: "rerun://h/p"}, ""},
		{"partition_url null closes", fields{"type": "partition_url", "partition_url": nil}, Message{Kind: KindPartitionURL}, ""},
		{"open_url", fields{"type": "open_url", "url": "https://x/a.rrd"}, Message{Kind: KindOpenURL, URL: "https://x/a.rrd"}, ""},
		{"close_url", fields{"type": "close_url", "url": "https://x/a.rrd"}, Message{Kind: KindCloseURL, URL: "https://x/a.rrd"}, ""},
		{"open_url follow", fields{"type": "open_url", "url": "https://x/a.rrd", "follow_if_http": true}, Message{Kind: KindOpenURL, URL: "https://x/a.rrd", Follow: true}, ""},
		{"open_url follow not bool", fields{"type": "open_url", "url": "https://x/a.rrd", "follow_if_http": "yes"}, Message{}, `follow_if_http is the string "yes", want a boolean`},
		{"open_url missing", fields{"type": "open_url"}, Message{}, "url is missing, want a string"},
		{"open_url empty", fields{"type": "open_url", "url": ""}, Message{}, "url is empty"},
		{"set_credentials", fields{"type": "set_credentials", "access_token": "t", "email": "a@b"},
			Message{Kind: KindSetCredentials, AccessToken: "t", Email: "a@b"}, ""},
		{"set_credentials no email", fields{"type": "set_credentials", "access_token": "t"}, Message{}, "email is missing"},
		{"unknown", fields{"type": "launch_rockets"}, Message{}, `"launch_rockets" message from the kernel: unknown message type`},
		{"no type", fields{}, Message{}, "its type is missing"},
		{"numeric type", fields{"type": 7}, Message{}, "its type is the number 7"},
		{"object type", fields{"type": []int{}}, Message{}, "its type is an object"},
	}
	for _, tt := range tests {
		got, err := decodeMessage(tt.content)
		if tt.errSub != "" {
			var me *MessageError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), tt.errSub) {
				t.Errorf("%s: error = %v, want a *MessageError containing %q", tt.name, err, tt.errSub)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !sameMessage(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func sameMessage(a, b Message) bool {
	eqS := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqF := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Kind == b.Kind && eqS(a.Timeline, b.Timeline) && eqF(a.Time, b.Time) && a.Play == b.Play &&
		a.ID == b.ID && a.URL == b.URL && a.AccessToken == b.AccessToken && a.Email == b.Email
}

func TestNeedsBuffer(t *testing.T) {
	for _, k := range []Kind{KindRRD, KindTable} {
		if !(Message{Kind: k}).needsBuffer() {
			t.Errorf("%s needs a buffer", k)
		}
	}
	if (Message{Kind: KindTimeCtrl}).needsBuffer() {
		t.Error("time_ctrl needs no buffer")
	}
}

func TestPanelState(t *testing.T) {
	tests := []struct {
		f    Field
		want string
		ok   bool
	}{
		{Field{Type: String, Str: "expanded"}, "expanded", true},
		{Field{Type: String, Str: "collapsed"}, "collapsed", true},
		{Field{Type: String, Str: "hidden"}, "hidden", true},
		{Field{Type: Missing}, "", true},
		{Field{Type: Null}, "", true},
		{Field{Type: String, Str: "default"}, "", false},
		{Field{Type: Number, Num: 1}, "", false},
	}
	for _, tt := range tests {
		got, err := panelState("top", tt.f)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("PanelState(%+v) = %q, %v; want %q, ok=%v", tt.f, got, err, tt.want, tt.ok)
		}
	}
}

// FuzzDecodeMessage feeds arbitrary field values: decoding must never
// panic, and a message it accepts must have a known kind.
func FuzzDecodeMessage(f *testing.F) {
	f.Add("time_ctrl", "log_tick", 1.5, true, "x")
	f.Add("open_url", "", 0.0, false, "https://x")
	f.Fuzz(func(t *testing.T, typ, s string, n float64, b bool, u string) {
		for _, content := range []fields{
			{"type": typ, "timeline": s, "time": n, "play": b, "url": u, "recording_id": s, "partition_url": u, "access_token": s, "email": u},
			{"type": typ, "timeline": n, "time": s, "play": s, "url": n},
		} {
			m, err := decodeMessage(content)
			if err == nil {
				switch m.Kind {
				case KindRRD, KindTable, KindTimeCtrl, KindRecordingID, KindPartitionURL, KindOpenURL, KindCloseURL, KindSetCredentials:
				default:
					t.Fatalf("accepted unknown kind %q", m.Kind)
				}
			}
		}
	})
}
