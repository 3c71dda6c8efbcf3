package chain

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
)

// A Replica submits an election's entries to a node of its network and
// learns what the network committed (ballotbox.Replica): the voting
// server acknowledges a ballot only once it is committed.
type Replica struct {
	c rpcclient.Client
}

// NewReplica talks to a node through c (an RPC client, or a node's local
// client in-process).
func NewReplica(c rpcclient.Client) *Replica { return &Replica{c: c} }

// Dial returns a replica talking to the node whose RPC is at addr
// (tcp://127.0.0.1:26657).
func Dial(addr string) (*Replica, error) {
	c, err := rpchttp.New(addr, "/websocket")
	if err != nil {
		return nil, err
	}
	return &Replica{c: c}, nil
}

// ErrRefused wraps the network's refusal of an entry.
var ErrRefused = errors.New("chain: the network refused the entry")

// Commit submits entries in order and waits until the network decided
// each.
func (r *Replica) Commit(ctx context.Context, raws [][]byte) ([]uint64, []error, error) {
	errs := make([]error, len(raws))
	indexes := make([]uint64, len(raws))
	pending := map[int][32]byte{}
	for i, raw := range raws {
		res, err := r.c.BroadcastTxSync(ctx, raw)
		if err != nil {
			return nil, nil, err
		}
		if res.Code != CodeOK {
			errs[i] = fmt.Errorf("%w: %s", ErrRefused, res.Log)
			continue
		}
		pending[i] = sha256.Sum256(raw)
	}
	for len(pending) > 0 {
		for i, h := range pending {
			q, err := r.c.ABCIQuery(ctx, "result", h[:])
			if err != nil {
				return nil, nil, err
			}
			if q.Response.Code != CodeOK {
				continue // not decided yet
			}
			var res txResult
			if err := json.Unmarshal(q.Response.Value, &res); err != nil {
				return nil, nil, err
			}
			if res.Code != CodeOK {
				errs[i] = fmt.Errorf("%w: %s", ErrRefused, res.Log)
			}
			indexes[i] = res.Index
			delete(pending, i)
		}
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("chain: %d entries not committed: %w", len(pending), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return indexes, errs, nil
}

// Entries returns the committed entries from index from on.
func (r *Replica) Entries(ctx context.Context, from uint64) ([][]byte, error) {
	var out [][]byte
	for {
		q, err := r.c.ABCIQuery(ctx, "entries", binary.BigEndian.AppendUint64(nil, from))
		if err != nil {
			return nil, err
		}
		if q.Response.Code != CodeOK {
			return nil, fmt.Errorf("chain: %s", q.Response.Log)
		}
		if len(q.Response.Value) == 0 {
			return out, nil
		}
		for line := range bytes.Lines(q.Response.Value) {
			out = append(out, bytes.Clone(bytes.TrimSuffix(line, []byte("\n"))))
			from++
		}
	}
}
