package system

import (
	"context"
	"errors"
	"io"
)

// Bench runs `banchan bench`.
func Bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("bench: not built yet")
}
