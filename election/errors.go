package election

import "fmt"

// Check IDs, shared with docs/protocol.md and the output of `urna verify`.
const (
	CheckDecode       = "E1" // the entry decodes strictly
	CheckOperator     = "O1" // the operator signed the entry, if the manifest names an operator
	CheckManifest     = "E2" // the first entry defines the election; the manifest is valid
	CheckTime         = "E3" // entry times never decrease
	CheckPhase        = "E4" // the entry is allowed in the election's current phase
	CheckCeremony     = "K1" // a key-ceremony message is valid
	CheckKey          = "K2" // the joint key is the ceremony's output
	CheckIssue        = "C1" // a credential issuance names a district and a fresh pseudonym
	CheckParticipants = "C2" // the participants of every district are at least its credentials issued
	CheckBallotForm   = "B1" // the ballot decodes
	CheckWindow       = "B2" // the ballot is cast while voting is open
	CheckCredential   = "B3" // the credential is signed by its district's issuer for this election
	CheckShape        = "B4" // the ballot carries its district's contests
	CheckProofs       = "B5" // the signature and every proof verify
	CheckSequence     = "B6" // the sequence number exceeds the credential's previous ballot
	CheckUnique       = "B7" // the ballot and its tracking code are new on the ledger
	CheckSpoiled      = "B8" // the ballot was not opened (spoiled) before
	CheckTurnout      = "B9" // no more credentials vote in a district than were issued there
	CheckSpoil        = "S1" // a spoiled ballot and its opening are valid
	CheckTally        = "T1" // the tally is the sum of the last ballot of each credential
	CheckShare        = "D1" // a decryption share is valid and from a qualified guardian
	CheckResult       = "R1" // the result is the decryption of the tally
	CheckCounts       = "R2" // the reconciliation counts are right
	CheckSignature    = "P1" // a commission member's signature of the result is valid
	CheckDisputes     = "P2" // no dispute is unresolved when a member signs
	CheckHeartbeat    = "H1" // a guardian's heartbeat is fresh and its partial decryption verifies
	CheckKeyTest      = "H2" // a quorum's heartbeats decrypt the test ciphertext
	CheckDispute      = "X1" // a dispute is well-formed and filed before the result is signed
	CheckResolution   = "X2" // a dispute's resolution is signed by a commission member, once
)

// A CheckError says which check an entry failed, at which ledger index, and
// why.
type CheckError struct {
	ID    string
	Index uint64
	Err   error
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("check %s failed at entry %d: %v", e.ID, e.Index, e.Err)
}

func (e *CheckError) Unwrap() error { return e.Err }

func fail(id string, index uint64, format string, args ...any) *CheckError {
	return &CheckError{ID: id, Index: index, Err: fmt.Errorf(format, args...)}
}
