// Package election is the one state machine of an urna election.
//
// An election is nothing but the entries of its ledger replayed in order. A
// State starts empty; Apply validates one entry against the state so far —
// phase, time window, eligibility, every proof and signature, duplicates, a
// re-vote replacing the earlier ballot of the same credential — and applies
// it, or rejects it with a *CheckError naming the check (the IDs of
// docs/protocol.md) and leaving the state as it was. The server, `urna
// verify`, the observer node and the replicated ledger engine all run this
// same code, so it does no I/O and reads no clock: time arrives with the
// entry.
//
// Checking a ballot's proofs costs about a millisecond; checking thousands
// together costs a fraction of that. Prepare runs the stateless checks of
// many entries at once (decoding, credentials, batched proofs) and may run in
// parallel with other Prepare calls; Apply then runs only the stateful
// checks of an entry that Prepare vouched for. Apply alone is always
// complete: an entry that was not prepared is fully checked there.
package election
