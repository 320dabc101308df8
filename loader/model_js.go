//go:build js

package loader

import (
	"errors"

	"github.com/gorerun/loader/wasmjs"
)

// anywidgetModel is an anywidget model: get, on/off and send, from
// Jupyter, marimo or any other host. A host may hand over anything, so
// every call can fail without harm.
type anywidgetModel struct{ v wasmjs.Value }

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
		if _, err := m.v.Call("on", event, f); err != nil {
			return errors.Join(errors.New("model.on("+event+")"), err)
		}
		subs = append(subs, subscription{event, f})
		return nil
	}
	for _, trait := range traits {
		if err := on("change:"+trait, func([]wasmjs.Value) { onChange(trait) }); err != nil {
			stop()
			return nil, err
		}
	}
	err := on("msg:custom", func(args []wasmjs.Value) {
		// The content is read here, as it arrives; the buffer only when
		// the message turns out to need one.
		buffers := wasmjs.Arg(args, 1)
		onMessage(message{content: fieldOf(wasmjs.Arg(args, 0)), payload: func() (payload, error) { return firstBuffer(buffers) }})
	})
	if err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

type subscription struct {
	event string
	fn    wasmjs.Func
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

// bytes is a Uint8Array the Viewer can take.
type bytes struct{ u8 wasmjs.Value }

func (b bytes) size() int64 { return int64(wasmjs.ByteLength(b.u8)) }

// firstBuffer returns buffers[0] as a Uint8Array over exactly its bytes:
// a DataView from the host may be a window into a larger buffer.
func firstBuffer(buffers wasmjs.Value) (payload, error) {
	if buffers.Type() != wasmjs.TypeObject {
		return nil, errors.New("it carries no buffer")
	}
	n, err := buffers.Get("length")
	if err != nil {
		return nil, errors.Join(errors.New("its buffers cannot be read"), err)
	}
	if n.Int() < 1 {
		return nil, errors.New("it carries no buffer")
	}
	first, err := buffers.Get("0")
	if err != nil {
		return nil, err
	}
	return bytesOf(first, "its buffer")
}

// bytesOf reads binary data from the host (what names it, in errors) as
// bytes.
func bytesOf(v wasmjs.Value, what string) (payload, error) {
	u8, err := wasmjs.Uint8Array(v)
	switch {
	case wasmjs.Is(err, wasmjs.ErrNotBytes):
		return nil, errors.New(what + " is not binary data (a Uint8Array, an ArrayBuffer or a DataView)")
	case err != nil:
		return nil, errors.Join(errors.New(what+" cannot be read (was it transferred to a worker?)"), err)
	}
	return bytes{u8}, nil
}
