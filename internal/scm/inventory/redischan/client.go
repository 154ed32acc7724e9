package redischan

import (
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Connect builds a client for a redis:// or rediss:// URL. It does not
// dial: the subscriber and the publisher connect, and reconnect, as they
// go, so a process starts while Redis is away and catches up when it is
// back. Close the client after both have stopped.
func Connect(rawURL string) (*redis.Client, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		// go-redis's errors name the part at fault, never the password.
		return nil, fmt.Errorf("redis url: %w", err)
	}
	return redis.NewClient(opt), nil
}
