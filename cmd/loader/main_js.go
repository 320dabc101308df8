//go:build js

// In the browser, the loader program is the Go side of widget.js.
package main

import "github.com/gorerun/loader/loader"

func main() {
	loader.Main()
}
