//go:build js

package loader

import (
	"errors"

	"github.com/gorerun/loader/wasmjs"
)

// anywidgetModel is an anywidget model: get, on/off and send, from
// Jupyter, marimo or any other host. A host may hand over anything, so
// every call can fail without harm.
type anywidgetModel struct {
	v wasmjs.Value
	// relay makes the msg:custom listener from the Go callback: widget.js's
	// relayMessage, which hands Go a message's bytes ready, in no crossing
	// of Go's.
	relay wasmjs.Value
}

func (m anywidgetModel) get(name string) (field, error) {
	v, err := m.v.Call("get", name)
	if err != nil {
		return field{}, err
	}
	return fieldOf(v), nil
}

func (m anywidgetModel) send(content any) error {
	_, err := m.v.Call("send", content)
	return err
}

func (m anywidgetModel) listen(traits []string, onChange func(string), onMessage func(message)) (func(), error) {
	var (
		funcs wasmjs.Funcs
		subs  []subscription
	)
	stop := func() {
		for _, s := range subs {
			m.v.Call("off", s.event, s.fn)
		}
		funcs.Release()
	}
	on := func(event string, fn func(args []wasmjs.Value)) error {
		f := funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any {
			fn(args)
			return nil
		})
		listener := f.Value()
		if event == "msg:custom" {
			var err error
			if listener, err = m.relay.Invoke(f); err != nil {
				return errors.Join(errors.New("relay the kernel's messages"), err)
			}
		}
		if _, err := m.v.Call("on", event, listener); err != nil {
			return errors.Join(errors.New("model.on("+event+")"), err)
		}
		subs = append(subs, subscription{event, listener})
		return nil
	}
	for _, trait := range traits {
		if err := on("change:"+trait, func([]wasmjs.Value) { onChange(trait) }); err != nil {
			stop()
			return nil, err
		}
	}
	err := on("msg:custom", func(args []wasmjs.Value) {
		// relayMessage hands over the content, and the first buffer as
		// bytes or what is wrong with it; the content is read here, as it
		// arrives.
		onMessage(message{content: fieldOf(wasmjs.Arg(args, 0)), payload: payloadOf(args, 1)})
	})
	if err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

type subscription struct {
	event string
	fn    wasmjs.Value
}

// fieldOf reads a JavaScript value as a protocol field.
func fieldOf(v wasmjs.Value) field {
	switch v.Type() {
	case wasmjs.TypeUndefined:
		return field{Type: fieldMissing}
	case wasmjs.TypeNull:
		return field{Type: fieldNull}
	case wasmjs.TypeString:
		s, _ := v.AsString()
		return field{Type: fieldString, Str: s}
	case wasmjs.TypeNumber:
		n, _ := v.AsNumber()
		return field{Type: fieldNumber, Num: n}
	case wasmjs.TypeBoolean:
		b, _ := v.AsBool()
		return field{Type: fieldBool, Bool: b}
	case wasmjs.TypeObject:
		return field{Type: fieldOther, Obj: jsFields{v}}
	}
	return field{Type: fieldOther}
}

// jsFields reads an object's fields; a throwing getter or proxy trap reads
// as a field of no usable type.
type jsFields struct{ v wasmjs.Value }

func (f jsFields) Field(name string) field {
	v, err := f.v.Get(name)
	if err != nil {
		return field{Type: fieldOther}
	}
	return fieldOf(v)
}

// bytes is a Uint8Array the Viewer can take, and its length, which
// JavaScript said.
type bytes struct {
	u8 wasmjs.Value
	n  int64
}

func (b bytes) size() int64 { return b.n }

// payloadOf returns the payload of a message as widget.js hands it over
// (binaryOf in esm/runtime.js): from args[at] on, the bytes, a Uint8Array
// over exactly the buffer's bytes, their length, and what is wrong with
// the buffer when there are none.
func payloadOf(args []wasmjs.Value, at int) func() (payload, error) {
	u8 := wasmjs.Arg(args, at)
	n, _ := wasmjs.Arg(args, at+1).AsNumber()
	problem := wasmjs.Arg(args, at+2)
	return func() (payload, error) {
		if u8.IsObject() && n >= 0 {
			return bytes{u8, int64(n)}, nil
		}
		if s, _ := problem.AsString(); s != "" {
			return nil, errors.New(s)
		}
		return nil, errors.New("it carries no buffer")
	}
}
