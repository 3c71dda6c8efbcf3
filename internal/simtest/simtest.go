// Package simtest gives tests a whole simulated election: its ledger's
// entries and the operator's log keys (to play a malicious operator).
package simtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/simulate"
)

// An Election is a simulated election's ledger.
type Election struct {
	Entries     [][]byte
	SignerKey   string // the log's signing key (operator.key)
	VerifierKey string
}

// Run simulates an election with opts (Out is ignored) and reads it back.
func Run(opts simulate.Options) (*Election, error) {
	dir, err := os.MkdirTemp("", "urna-simtest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	opts.Out = dir
	if _, err := simulate.Run(context.Background(), opts); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, "ledger.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	e := &Election{}
	for raw, err := range ledger.ReadJSONL(f) {
		if err != nil {
			return nil, err
		}
		e.Entries = append(e.Entries, bytes.Clone(raw))
	}
	skey, err := os.ReadFile(filepath.Join(dir, "operator.key"))
	if err != nil {
		return nil, err
	}
	vkey, err := os.ReadFile(filepath.Join(dir, "log.pub"))
	if err != nil {
		return nil, err
	}
	e.SignerKey, e.VerifierKey = strings.TrimSpace(string(skey)), strings.TrimSpace(string(vkey))
	return e, nil
}
