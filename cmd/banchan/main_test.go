package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpShowsTheCommands: -h, --help and help print the overview of the
// commands; an unknown command is refused with it.
func TestHelpShowsTheCommands(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"-help"}} {
		var out, errs bytes.Buffer
		if err := run(context.Background(), args, &out, &errs); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		for _, want := range []string{"banchan dlq", "banchan bench", "'banchan run --help' lists every flag"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, out.String())
			}
		}
	}
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, &out, &errs); err == nil ||
		!strings.Contains(err.Error(), `unknown command "frobnicate"`) || !strings.Contains(errs.String(), "Usage:") {
		t.Errorf("unknown command: %v, stderr %q", err, errs.String())
	}
}
