package election

import (
	"crypto/ed25519"
	"fmt"

	"github.com/urna-vote/urna/crypto/transcript"
)

// The operator: the platform that runs an election. A manifest that names
// an operator key makes the operator the only one who may append to the
// ledger: every later entry carries the operator's Ed25519 signature over
// the entry's bytes without that signature (check O1). The entries of
// others — guardians' messages, voters' ballots, members' signatures —
// are authenticated by their own keys and proofs and reach the ledger
// through the operator, who countersigns them with the time it gave them.
// On a replicated ledger this keeps a validator, or anyone who can reach a
// validator's mempool, from adding an entry of its own making (an
// issuance, a participants count, a dispute) or giving someone's entry
// another time; the validators in turn keep the operator from rewriting
// what they committed.

// OperatorContextOf computes what operator signatures are bound to: the
// manifest's exact bytes.
func OperatorContextOf(manifestJSON []byte) [32]byte {
	return transcript.New("urna/v1/operator").Bytes("manifest", manifestJSON).Digest("operator/context")
}

// OperatorMessage is what the operator signs for an entry whose canonical
// encoding without the operator field is unsigned.
func OperatorMessage(context [32]byte, unsigned []byte) []byte {
	d := transcript.New("urna/v1/operator-entry").Bytes("context", context[:]).
		Bytes("entry", unsigned).Digest("operator/entry")
	return d[:]
}

// SignAsOperator sets e.Operator to the operator's signature of e, bound
// to context (OperatorContextOf the election's manifest). Any earlier
// signature is replaced.
func (e *Entry) SignAsOperator(context [32]byte, key ed25519.PrivateKey) error {
	e.Operator = nil
	unsigned, err := e.Encode()
	if err != nil {
		return err
	}
	e.Operator = ed25519.Sign(key, OperatorMessage(context, unsigned))
	return nil
}

// verifyOperator checks an entry's operator signature (O1).
func verifyOperator(key ed25519.PublicKey, context [32]byte, index uint64, e *Entry) error {
	if len(e.Operator) == 0 {
		return fail(CheckOperator, index, "a %q entry without the operator's signature", e.Type)
	}
	u := *e
	u.Operator = nil
	unsigned, err := u.Encode()
	if err != nil {
		return fail(CheckOperator, index, "%v", err)
	}
	if len(e.Operator) != ed25519.SignatureSize || !ed25519.Verify(key, OperatorMessage(context, unsigned), e.Operator) {
		return fail(CheckOperator, index, "the operator's signature of the %q entry does not verify", e.Type)
	}
	return nil
}

// Operator returns the operator key the manifest names (nil if none, or
// before the election is defined) and the context its signatures are
// bound to.
func (s *State) Operator() (key []byte, context [32]byte) {
	if s.Manifest == nil {
		return nil, context
	}
	return s.Manifest.Operator, s.operatorContext
}

// checkOperator applies O1 to a prepared entry, unless Prepare already did.
func (s *State) checkOperator(p *Prepared) error {
	e := p.Entry
	if e.Type == TypeElection {
		if len(e.Operator) != 0 {
			return fail(CheckOperator, p.Index, "the election entry carries no operator signature")
		}
		return nil
	}
	if s.Manifest == nil || len(s.Manifest.Operator) == 0 {
		if len(e.Operator) != 0 {
			return fail(CheckOperator, p.Index, "an operator signature in an election without an operator")
		}
		return nil
	}
	if p.operatorChecked {
		return nil
	}
	return verifyOperator(s.Manifest.Operator, s.operatorContext, p.Index, e)
}

// checkOperatorKey checks a manifest's operator key (part of E2).
func checkOperatorKey(key []byte) error {
	if key != nil && len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("the operator key has %d bytes, want %d", len(key), ed25519.PublicKeySize)
	}
	return nil
}
