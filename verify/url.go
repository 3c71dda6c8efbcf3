package verify

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/tiles"
)

// URL verifies the election whose ledger a platform (or any follower) serves
// as tlog tiles under prefix: it fetches the latest checkpoint and every
// entry, and checks them exactly as Dir does. opts.Key, the log's public
// key, is required: it cannot come from the server being checked.
func URL(ctx context.Context, prefix string, opts Options) (*Report, error) {
	if opts.Key == "" {
		return nil, fmt.Errorf("verifying %s needs the log's public key (--log-key)", prefix)
	}
	v, err := ledger.NewVerifier(opts.Key)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	c := tiles.NewClient(prefix, v, &http.Client{Timeout: time.Minute})
	cp, signed, err := c.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetching the checkpoint: %w", err)
	}
	return Entries(c.Entries(ctx, cp, 0), signed, v, opts), nil
}
