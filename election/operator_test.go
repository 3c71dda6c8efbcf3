package election_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/simtest"
	"github.com/urna-vote/urna/simulate"
)

// TestOperatorSignature: in an election whose manifest names an operator,
// an entry is accepted only with the operator's signature of its exact
// bytes (O1): not without one, not with another key's, not with its time
// changed after signing.
func TestOperatorSignature(t *testing.T) {
	sim, err := simtest.Run(simulate.Options{Voters: 4, Guardians: 3, Threshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	st := election.New()
	var k int // the first credential
	for i, raw := range sim.Entries {
		e, err := election.DecodeEntry(raw)
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == election.TypeCredential {
			k = i
			break
		}
		if err := st.Apply(raw); err != nil {
			t.Fatal(err)
		}
	}
	if k == 0 {
		t.Fatal("no credential in the simulation")
	}
	good, err := election.DecodeEntry(sim.Entries[k])
	if err != nil {
		t.Fatal(err)
	}
	if len(good.Operator) == 0 {
		t.Fatal("the simulated entry carries no operator signature")
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	manifest, _ := json.Marshal(st.Manifest)
	context := election.OperatorContextOf(manifest)
	for name, change := range map[string]func(e *election.Entry){
		"unsigned":                         func(e *election.Entry) { e.Operator = nil },
		"another key":                      func(e *election.Entry) { e.SignAsOperator(context, other) },
		"time changed":                     func(e *election.Entry) { e.Time++ },
		"district kept, pseudonym changed": func(e *election.Entry) { e.Credential.Pseudonym[0] ^= 1 },
	} {
		e, _ := election.DecodeEntry(sim.Entries[k])
		change(e)
		raw, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		var ce *election.CheckError
		if err := st.Apply(raw); !errors.As(err, &ce) || ce.ID != election.CheckOperator {
			t.Errorf("%s: %v, want check O1", name, err)
		}
	}
	if err := st.Apply(sim.Entries[k]); err != nil {
		t.Errorf("the signed entry: %v", err)
	}
}
