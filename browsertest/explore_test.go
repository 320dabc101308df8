package browsertest

import (
	"fmt"
	"testing"
	"time"
)

func TestExplore(t *testing.T) {
	tab := openTab(t)
	m := mountWidget(t, tab, suite.assets.URL+"/widget.js", false, defaultTraits())
	slow := suite.pages.URL + "/slow/Nojgaard__wobl__ddsm_test.rrd"
	viewerEvent(t, tab, m.Index, fmt.Sprintf(`model.deliver({type: "open_url", url: %s})`, JS(slow)), `e.type === "recording_open"`)
	waitStream(t, "open")
	deliver(t, tab, m.Index, fmt.Sprintf(`{type: "close_url", url: %s}`, JS(slow)), "")
	for i := 0; i < 10; i++ {
		time.Sleep(time.Second)
		setTrait(t, tab, m.Index, "_width", 600+i)
		select {
		case s := <-suite.streams:
			t.Logf("after %d s: %s", i+1, s)
			return
		default:
		}
	}
	t.Log("never closed")
}
