// Package chain replicates an election's ledger on CometBFT (v0.38, ABCI):
// several organisations each run a validator, so no single one can rewrite
// the ledger. The application is the election state machine itself (package
// election): every validator checks every entry — in CheckTx before it
// enters the mempool, in ProcessProposal before it votes for a block, in
// FinalizeBlock as it applies it — and the application hash it commits to
// is the Merkle root (RFC 9162, the ledger's tree) of the entries accepted
// so far. A transaction is one ledger entry, exactly as stored.
//
// CometBFT leaves replay protection to the application: a transaction
// twice in a block, or an entry already on the ledger, makes the proposal
// invalid, and the state machine refuses it anyway (unique tracking codes
// and pseudonyms, increasing sequence numbers).
//
// Batch verification draws its weights from each validator's own
// crypto/rand: an honest block verifies whatever the weights, and an
// invalid proof fails under all but a 2^-128 fraction of them, so the
// validators agree.
//
// The application keeps its state in memory; after a restart CometBFT
// replays the stored blocks into it (Info reports height 0), so the state
// is always the deterministic replay of the chain.
package chain

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Transaction result codes.
const (
	CodeOK        = 0
	CodeMalformed = 1 // the entry does not decode
	CodeRefused   = 2 // the state machine refuses it
)

// App is the ABCI application of one election. Its methods are safe for
// concurrent use (CometBFT calls CheckTx while a block is being applied).
type App struct {
	abci.BaseApplication

	mu      sync.Mutex
	st      *election.State
	hashes  []ledger.Hash // tlog stored hashes of the accepted entries
	entries [][]byte      // the accepted entries, for followers
	height  int64
	appHash []byte
	blocks  int // non-empty blocks applied

	// The results of recent transactions, by SHA-256, for submitters
	// waiting to learn whether theirs was committed.
	results map[[32]byte]txResult
	order   [][32]byte

	// With a signer, the node signs a checkpoint of its ledger after each
	// block and serves the ledger as tlog-tiles (tiles.Log), so urna
	// verify works against any node.
	signer note.Signer
	cp     ledger.Checkpoint
	signed []byte

	// The entries of the block last proposed (PrepareProposal) or checked
	// (ProcessProposal), prepared (decoded and batch-verified) for the
	// state as it was: FinalizeBlock of the same entries applies them
	// without verifying them again.
	checked struct {
		next uint64
		ps   []*election.Prepared
	}
}

// txResult is what became of a transaction.
type txResult struct {
	Code  uint32 `json:"code"`
	Index uint64 `json:"index"` // its entry, if committed
	Log   string `json:"log,omitempty"`
}

// maxResults bounds the results kept.
const maxResults = 1 << 18

// NewApp returns the application of an empty election.
func NewApp() *App {
	return &App{st: election.New(), results: map[[32]byte]txResult{}}
}

// SignWith makes the application sign a checkpoint of its ledger with s
// after every block (the node's own log key; its name is the origin).
func (a *App) SignWith(s note.Signer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.signer = s
	a.signLocked()
}

func (a *App) signLocked() {
	if a.signer == nil {
		return
	}
	cp := ledger.Checkpoint{Origin: a.signer.Name(), Size: a.st.Next, Root: a.rootLocked()}
	if cp == a.cp && a.signed != nil {
		return
	}
	signed, err := ledger.SignCheckpoint(cp, a.signer)
	if err != nil {
		panic("chain: signing a checkpoint: " + err.Error())
	}
	a.cp, a.signed = cp, signed
}

// Checkpoint implements tiles.Log: the latest checkpoint the node signed.
func (a *App) Checkpoint() (ledger.Checkpoint, []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cp, a.signed
}

// ReadHashes implements tiles.Log.
func (a *App) ReadHashes(indexes []int64) ([]ledger.Hash, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]ledger.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(a.hashes)) {
			return nil, fmt.Errorf("chain: hash %d not stored", x)
		}
		out[i] = a.hashes[x]
	}
	return out, nil
}

// Entries implements tiles.Log: the accepted entries [from, to).
func (a *App) Entries(from, to uint64) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		a.mu.Lock()
		if to > uint64(len(a.entries)) || from > to {
			a.mu.Unlock()
			yield(nil, ledger.ErrRange)
			return
		}
		list := append([][]byte(nil), a.entries[from:to]...)
		a.mu.Unlock()
		for _, e := range list {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (a *App) record(tx []byte, r txResult) {
	h := sha256.Sum256(tx)
	if _, ok := a.results[h]; !ok {
		a.order = append(a.order, h)
	}
	a.results[h] = r
	if len(a.order) > maxResults {
		delete(a.results, a.order[0])
		a.order = a.order[1:]
	}
}

// Size returns the number of accepted entries and their Merkle root.
func (a *App) Size() (uint64, ledger.Hash) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.st.Next, a.rootLocked()
}

// View runs f with the state, read-only.
func (a *App) View(f func(st *election.State)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(a.st)
}

func (a *App) rootLocked() ledger.Hash {
	if a.st.Next == 0 {
		return ledger.Hash{}
	}
	h, err := tlog.TreeHash(int64(a.st.Next), a.hashReader())
	if err != nil {
		panic("chain: " + err.Error())
	}
	return h
}

// Info reports the last block applied (0 after a restart: CometBFT then
// replays the chain).
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &abci.ResponseInfo{Data: "urna", LastBlockHeight: a.height, LastBlockAppHash: a.appHash}, nil
}

// CheckTx admits to the mempool only entries that decode strictly and,
// once the election names an operator, carry its signature.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	a.mu.Lock()
	err := a.st.CheckEntry(req.Tx)
	a.mu.Unlock()
	if err != nil {
		return &abci.ResponseCheckTx{Code: CodeMalformed, Log: err.Error()}, nil
	}
	return &abci.ResponseCheckTx{Code: CodeOK}, nil
}

// PrepareProposal proposes the mempool's entries that the others will not
// vote down (election.State.FilterProposal), each once: an entry that got
// into the mempool and can never be accepted — a replay, an entry someone
// sent without the operator's signature before the election was defined —
// must not keep every block from being accepted.
func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	seen := map[[32]byte]bool{}
	var txs [][]byte
	for _, tx := range req.Txs {
		if h := sha256.Sum256(tx); !seen[h] {
			seen[h] = true
			txs = append(txs, tx)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ps := a.st.FilterProposal(txs, rand.Reader)
	a.checked.next, a.checked.ps = a.st.Next, ps
	out := make([][]byte, len(ps))
	for i, p := range ps {
		out[i] = p.Raw
	}
	return &abci.ResponsePrepareProposal{Txs: out}, nil
}

// ProcessProposal votes against a block that repeats a transaction, or
// whose entries the state machine would not all accept in order. It
// checks them on the state as it is, without changing it.
func (a *App) ProcessProposal(_ context.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	reject := &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}
	seen := map[[32]byte]bool{}
	for _, tx := range req.Txs {
		h := sha256.Sum256(tx)
		if seen[h] {
			return reject, nil
		}
		seen[h] = true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ps, err := a.st.CheckProposal(req.Txs, rand.Reader)
	if err != nil {
		return reject, nil
	}
	a.checked.next, a.checked.ps = a.st.Next, ps
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

// FinalizeBlock applies the block's entries in order; each one the state
// machine refuses is left out of the ledger and reported in its result.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	results := make([]*abci.ExecTxResult, len(req.Txs))
	rest := req.Txs
	done := 0
	reuse := a.checked.next == a.st.Next && slices.EqualFunc(a.checked.ps, req.Txs,
		func(p *election.Prepared, tx []byte) bool { return bytes.Equal(p.Raw, tx) })
	for len(rest) > 0 {
		var ps []*election.Prepared
		if reuse {
			ps, reuse = a.checked.ps, false
		} else {
			ps = a.st.Prepare(rand.Reader, a.st.Next, rest)
		}
		failed := -1
		for i, p := range ps {
			if err := a.st.ApplyPrepared(p); err != nil {
				results[done+i] = &abci.ExecTxResult{Code: CodeRefused, Log: err.Error()}
				a.record(rest[i], txResult{Code: CodeRefused, Log: err.Error()})
				failed = i
				break
			}
			a.record(rest[i], txResult{Code: CodeOK, Index: uint64(len(a.entries))})
			a.accept(rest[i])
			results[done+i] = &abci.ExecTxResult{Code: CodeOK}
		}
		if failed < 0 {
			break
		}
		// The entries after a refused one were prepared for indexes one
		// too high: prepare them again.
		done += failed + 1
		rest = rest[failed+1:]
	}
	a.checked.ps = nil
	if len(req.Txs) > 0 {
		a.blocks++
	}
	a.height = req.Height
	a.signLocked()
	root := a.rootLocked()
	a.appHash = appHash(a.st.Next, root)
	return &abci.ResponseFinalizeBlock{TxResults: results, AppHash: a.appHash}, nil
}

func (a *App) accept(entry []byte) {
	hs, err := tlog.StoredHashes(int64(len(a.entries)), entry, a.hashReader())
	if err != nil {
		panic("chain: " + err.Error())
	}
	a.hashes = append(a.hashes, hs...)
	a.entries = append(a.entries, bytes.Clone(entry))
}

// hashReader reads the stored hashes; a.mu is held.
func (a *App) hashReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = a.hashes[x]
		}
		return out, nil
	})
}

// appHash commits to the ledger: its size (8 bytes, big-endian) and
// Merkle root.
func appHash(size uint64, root ledger.Hash) []byte {
	return append(binary.BigEndian.AppendUint64(nil, size), root[:]...)
}

// Query answers:
//
//	root             {"size", "root"} of the accepted entries
//	result  (hash)   what became of the transaction with this SHA-256:
//	                 {"code", "index", "log"}; code 1 if unknown
//	entries (from)   up to 1000 accepted entries from index from (8 bytes,
//	                 big-endian), as JSON lines
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	switch req.Path {
	case "root":
		size, root := a.Size()
		b, _ := json.Marshal(map[string]any{"size": size, "root": root.String()})
		return &abci.ResponseQuery{Code: CodeOK, Value: b}, nil
	case "result":
		var h [32]byte
		if len(req.Data) != len(h) {
			return &abci.ResponseQuery{Code: CodeMalformed, Log: "want a SHA-256"}, nil
		}
		copy(h[:], req.Data)
		a.mu.Lock()
		r, ok := a.results[h]
		a.mu.Unlock()
		if !ok {
			return &abci.ResponseQuery{Code: CodeMalformed, Log: "unknown transaction"}, nil
		}
		b, _ := json.Marshal(r)
		return &abci.ResponseQuery{Code: CodeOK, Value: b}, nil
	case "entries":
		if len(req.Data) != 8 {
			return &abci.ResponseQuery{Code: CodeMalformed, Log: "want an index"}, nil
		}
		from := binary.BigEndian.Uint64(req.Data)
		a.mu.Lock()
		var buf bytes.Buffer
		for i := from; i < uint64(len(a.entries)) && i < from+1000; i++ {
			buf.Write(a.entries[i])
			buf.WriteByte('\n')
		}
		a.mu.Unlock()
		return &abci.ResponseQuery{Code: CodeOK, Value: buf.Bytes()}, nil
	}
	return &abci.ResponseQuery{Code: CodeMalformed, Log: fmt.Sprintf("unknown query %q", req.Path)}, nil
}
