package loader

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// fields is a message content for tests: Go values stand for JavaScript
// ones (nil is null; an absent key is undefined).
type fields map[string]any

func (f fields) Field(name string) field {
	v, ok := f[name]
	if !ok {
		return field{Type: fieldMissing}
	}
	switch x := v.(type) {
	case nil:
		return field{Type: fieldNull}
	case string:
		return field{Type: fieldString, Str: x}
	case float64:
		return field{Type: fieldNumber, Num: x}
	case int:
		return field{Type: fieldNumber, Num: float64(x)}
	case bool:
		return field{Type: fieldBool, Bool: x}
	}
	return field{Type: fieldOther}
}

func ptr[T any](v T) *T { return &v }

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		name    string
		content fields
		want    kernelMessage
		errSub  string // non-empty: decoding fails with this in the error
	}{
		{"rrd", fields{"type": "rrd"}, kernelMessage{Kind: kindRRD}, ""},
		{"table", fields{"type": "table"}, kernelMessage{Kind: kindTable}, ""},
		{"time_ctrl full", fields{"type": "time_ctrl", "timeline": "log_tick", "time": 42, "play": true},
			kernelMessage{Kind: kindTimeCtrl, Timeline: ptr("log_tick"), Time: ptr(42.0), Play: true}, ""},
		{"time_ctrl nulls", fields{"type": "time_ctrl", "timeline": nil, "time": nil, "play": false},
			kernelMessage{Kind: kindTimeCtrl}, ""},
		{"time_ctrl bad time", fields{"type": "time_ctrl", "time": "soon"}, kernelMessage{}, `time is the string "soon"`},
		{"time_ctrl bad play", fields{"type": "time_ctrl", "play": 1}, kernelMessage{}, "play is the number 1"},
		{"time_ctrl bad timeline", fields{"type": "time_ctrl", "timeline": 3}, kernelMessage{}, "timeline is the number 3"},
		{"recording_id", fields{"type": "recording_id", "recording_id": "rec"}, kernelMessage{Kind: kindRecordingID, ID: "rec"}, ""},
		{"recording_id null", fields{"type": "recording_id", "recording_id": nil}, kernelMessage{}, "recording_id is empty"},
		{"partition_url", fields{"type": "partition_url", "partition_url": "rerun://h/p"}, kernelMessage{Kind: kindPartitionURL, URL: "rerun://h/p"}, ""},
		{"partition_url null closes", fields{"type": "partition_url", "partition_url": nil}, kernelMessage{Kind: kindPartitionURL}, ""},
		{"open_url", fields{"type": "open_url", "url": "https://x/a.rrd"}, kernelMessage{Kind: kindOpenURL, URL: "https://x/a.rrd"}, ""},
		{"close_url", fields{"type": "close_url", "url": "https://x/a.rrd"}, kernelMessage{Kind: kindCloseURL, URL: "https://x/a.rrd"}, ""},
		{"open_url follow", fields{"type": "open_url", "url": "https://x/a.rrd", "follow_if_http": true}, kernelMessage{Kind: kindOpenURL, URL: "https://x/a.rrd", Follow: true}, ""},
		{"open_url follow not bool", fields{"type": "open_url", "url": "https://x/a.rrd", "follow_if_http": "yes"}, kernelMessage{}, `follow_if_http is the string "yes", want a boolean`},
		{"open_url missing", fields{"type": "open_url"}, kernelMessage{}, "url is missing, want a string"},
		{"open_url empty", fields{"type": "open_url", "url": ""}, kernelMessage{}, "url is empty"},
		{"set_credentials", fields{"type": "set_credentials", "access_token": "t", "email": "a@b"},
			kernelMessage{Kind: kindSetCredentials, AccessToken: "t", Email: "a@b"}, ""},
		{"set_credentials no email", fields{"type": "set_credentials", "access_token": "t"}, kernelMessage{}, "email is missing"},
		{"unknown", fields{"type": "launch_rockets"}, kernelMessage{}, `ignored "launch_rockets" messages from the kernel: this loader does not know that type`},
		{"no type", fields{}, kernelMessage{}, "its type is missing"},
		{"numeric type", fields{"type": 7}, kernelMessage{}, "its type is the number 7"},
		{"object type", fields{"type": []int{}}, kernelMessage{}, "its type is an object"},
	}
	for _, tt := range tests {
		got, err := decodeMessage(tt.content)
		if tt.errSub != "" {
			var me *messageError
			var unknown *unknownMessage
			if !(errors.As(err, &me) || errors.As(err, &unknown)) || !strings.Contains(err.Error(), tt.errSub) {
				t.Errorf("%s: error = %v, want a *messageError or *unknownMessage containing %q", tt.name, err, tt.errSub)
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

func sameMessage(a, b kernelMessage) bool {
	eqS := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqF := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Kind == b.Kind && eqS(a.Timeline, b.Timeline) && eqF(a.Time, b.Time) && a.Play == b.Play &&
		a.ID == b.ID && a.URL == b.URL && a.AccessToken == b.AccessToken && a.Email == b.Email
}

func TestNeedsBuffer(t *testing.T) {
	for _, k := range []messageKind{kindRRD, kindTable} {
		if !(kernelMessage{Kind: k}).needsBuffer() {
			t.Errorf("%s needs a buffer", k)
		}
	}
	if (kernelMessage{Kind: kindTimeCtrl}).needsBuffer() {
		t.Error("time_ctrl needs no buffer")
	}
}

func TestPanelState(t *testing.T) {
	tests := []struct {
		f    field
		want string
		ok   bool
	}{
		{field{Type: fieldString, Str: "expanded"}, "expanded", true},
		{field{Type: fieldString, Str: "collapsed"}, "collapsed", true},
		{field{Type: fieldString, Str: "hidden"}, "hidden", true},
		{field{Type: fieldMissing}, "", true},
		{field{Type: fieldNull}, "", true},
		{field{Type: fieldString, Str: "default"}, "", false},
		{field{Type: fieldNumber, Num: 1}, "", false},
	}
	for _, tt := range tests {
		got, err := panelState("top", tt.f)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("PanelState(%+v) = %q, %v; want %q, ok=%v", tt.f, got, err, tt.want, tt.ok)
		}
	}
}

// protocolFields is the protocol's message table as docs/protocol.md ("Messages") states
// it, written apart from decodeMessage's rules so the fuzzer checks one
// against the other: each field's type, and whether null or absence is
// allowed.
var protocolFields = map[messageKind]map[string]struct {
	typ      fieldType
	nullable bool
}{
	kindRRD:            {"channel": {fieldString, true}},
	kindTable:          {"channel": {fieldString, true}},
	kindTimeCtrl:       {"timeline": {fieldString, true}, "time": {fieldNumber, true}, "play": {fieldBool, true}},
	kindRecordingID:    {"recording_id": {fieldString, false}},
	kindPartitionURL:   {"partition_url": {fieldString, true}},
	kindOpenURL:        {"url": {fieldString, false}, "follow_if_http": {fieldBool, true}},
	kindCloseURL:       {"url": {fieldString, false}},
	kindSetCredentials: {"access_token": {fieldString, false}, "email": {fieldString, false}},
	kindOpenChannel:    {"channel": {fieldString, false}, "name": {fieldString, true}},
	kindCloseChannel:   {"channel": {fieldString, false}},
}

// FuzzDecodeMessage gives every field of a message a value of a fuzzed
// type. An accepted message has a known kind, every field its kind needs
// of the type it needs, and those values in the Message; a field of the
// wrong type is rejected, naming the field.
func FuzzDecodeMessage(f *testing.F) {
	kinds := []messageKind{kindRRD, kindTable, kindTimeCtrl, kindRecordingID, kindPartitionURL, kindOpenURL, kindCloseURL, kindSetCredentials,
		kindOpenChannel, kindCloseChannel}
	names := []string{"timeline", "time", "play", "recording_id", "partition_url", "url", "follow_if_http", "access_token", "email",
		"channel", "name"}
	slotOf := map[fieldType]uint32{fieldMissing: 0, fieldNull: 1, fieldString: 2, fieldNumber: 3, fieldBool: 4, fieldOther: 5}
	// Seeds: each kind with every field of its type, then with one field
	// at a time absent, null or of each other type.
	for k, kind := range kinds {
		right := uint64(0)
		for i, name := range names {
			if want, ok := protocolFields[kind][name]; ok {
				right |= uint64(slotOf[want.typ]) << (3 * i)
			}
		}
		f.Add(uint8(k), "", "x", 1.5, true, right)
		for i, name := range names {
			if _, ok := protocolFields[kind][name]; !ok {
				continue
			}
			for slot := range uint64(6) {
				f.Add(uint8(k), "", "x", 1.5, true, right&^(7<<(3*i))|slot<<(3*i))
			}
		}
	}
	f.Add(uint8(255), "launch", "", 0.0, false, uint64(0))
	f.Fuzz(func(t *testing.T, kind uint8, typ, s string, n float64, b bool, shape uint64) {
		if int(kind) < len(kinds) {
			typ = string(kinds[kind])
		}
		content := fields{"type": typ}
		for i, name := range names {
			// Three bits a field: absent, null, string, number, boolean, object.
			switch (shape >> (3 * i)) & 7 {
			case 1:
				content[name] = nil
			case 2:
				content[name] = s
			case 3:
				content[name] = n
			case 4:
				content[name] = b
			case 5:
				content[name] = []int{}
			}
		}
		m, err := decodeMessage(content)
		spec, known := protocolFields[messageKind(typ)]
		if !known {
			if err == nil {
				t.Fatalf("accepted unknown kind %q", typ)
			}
			return
		}
		var wrong []string
		for name, want := range spec {
			v := content.Field(name)
			if v.Type != want.typ && !(want.nullable && (v.Type == fieldNull || v.Type == fieldMissing)) {
				wrong = append(wrong, name)
			}
		}
		if len(wrong) > 0 {
			if err == nil || !slices.ContainsFunc(wrong, func(name string) bool { return strings.Contains(err.Error(), name+" is ") }) {
				t.Fatalf("%v: err = %v, want it rejected naming one of %v", content, err, wrong)
			}
			return
		}
		if err != nil {
			// Right types, but an empty URL or recording id.
			if !strings.Contains(err.Error(), " is empty") {
				t.Fatalf("%v rejected: %v", content, err)
			}
			return
		}
		if m.Kind != messageKind(typ) {
			t.Fatalf("kind %q decoded as %q", typ, m.Kind)
		}
		for name := range spec {
			v := content.Field(name)
			var got any
			switch name {
			case "timeline":
				if got = m.Timeline; m.Timeline != nil {
					got = *m.Timeline
				}
			case "time":
				if got = m.Time; m.Time != nil {
					got = *m.Time
				}
			case "play":
				got = m.Play
			case "recording_id":
				got = m.ID
			case "partition_url", "url":
				got = m.URL
			case "follow_if_http":
				got = m.Follow
			case "access_token":
				got = m.AccessToken
			case "email":
				got = m.Email
			case "channel":
				got = m.Channel
			case "name":
				got = m.Name
			}
			var want any
			switch v.Type {
			case fieldString:
				want = v.Str
			case fieldNumber:
				want = v.Num
			case fieldBool:
				want = v.Bool
			}
			if want == nil {
				// Absent or null: the zero value (nil for the pointers).
				if got != (*string)(nil) && got != (*float64)(nil) && got != "" && got != false {
					t.Fatalf("%s: absent %s decoded as %#v", typ, name, got)
				}
				continue
			}
			if got != want && !(v.Type == fieldNumber && want != want) { // NaN
				t.Fatalf("%s: %s = %#v decoded as %#v", typ, name, want, got)
			}
		}
	})
}
