package check

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorerun/loader/headless"
)

// TestStoppedSaysWhy checks the message of a run that ended early, for
// each way a page can stop answering.
func TestStoppedSaysWhy(t *testing.T) {
	timedOut, cancel := context.WithCancelCause(context.Background())
	cancel(errTimedOut)
	running := context.Background()
	busy := &headless.NoAnswerError{Idle: 30 * time.Second, Waited: 52 * time.Second, Sampled: 51 * time.Second, CPU: 41200 * time.Millisecond}
	hung := &headless.NoAnswerError{Hung: true, Idle: 30 * time.Second, Waited: 31 * time.Second, Sampled: 30 * time.Second}
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		err     error
		want    string
		wantRun BuildRun
	}{
		{"busy until the timeout", timedOut, busy,
			"the page was busy (its renderer used 41.2 s of CPU in the last 51.0 s, without answering) and did not finish within --timeout 1m0s while opening x.rrd; reached nothing: the Viewer did not reach ready",
			BuildRun{TimedOut: true, Busy: true}},
		{"hung", running, hung,
			"the page did not answer for 30s and its renderer did no work (hung) while opening x.rrd",
			BuildRun{Hung: true}},
		{"timed out while the page answered", timedOut, context.Canceled,
			"timed out; reached nothing: the Viewer did not reach ready",
			BuildRun{TimedOut: true}},
		{"another error", running, errors.New("open http://x: refused"),
			"open http://x: refused", BuildRun{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := &BuildRun{Reached: "loading", doing: "opening x.rrd", timeout: time.Minute}
			run.stopped(tc.ctx, tc.err)
			if run.Failure != tc.want {
				t.Errorf("failure\n%q\nwant\n%q", run.Failure, tc.want)
			}
			if run.TimedOut != tc.wantRun.TimedOut || run.Busy != tc.wantRun.Busy || run.Hung != tc.wantRun.Hung {
				t.Errorf("timed out %v, busy %v, hung %v; want %v, %v, %v", run.TimedOut, run.Busy, run.Hung,
					tc.wantRun.TimedOut, tc.wantRun.Busy, tc.wantRun.Hung)
			}
			if strings.Contains(run.Failure, "busy") && strings.Contains(run.Failure, "hung") {
				t.Error("both busy and hung")
			}
		})
	}
}
