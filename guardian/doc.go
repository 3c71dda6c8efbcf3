// Package guardian is what one key holder of an election runs on their own
// machine (urna guardian): it takes part in the key ceremony, shows while
// voting runs that it still holds its share of the key, and decrypts the
// tally when counting comes. Everything goes through the platform's public
// API: the guardian reads the election's ledger and posts its own entries,
// which carry its signatures and proofs, so the platform can neither forge
// nor alter them.
//
// # Keys and files
//
// Init makes the guardian's long-term key and writes it to a file sealed
// with a passphrase (age, scrypt); its public key goes into the election's
// manifest. Next to that file the guardian keeps, for each election, the
// share of the election key it ends up with (KEY.ELECTION.share) and,
// during the ceremony only, the seed of its deal (KEY.ELECTION.deal), both
// sealed with the same passphrase. Secrets are decrypted only while they
// are used and overwritten after, never logged, never sent: what leaves
// the machine is the ceremony's messages, sealed shares and proofs.
//
// The long-term key alone is enough to recover the share from the ledger
// (every dealer sealed a share to every guardian, including itself), so it
// is the one file to back up; the share file saves that work.
//
// # Following the ledger
//
// A Guardian keeps its own replay of the election's ledger through the same
// state machine the platform runs. It fetches the ledger as tlog tiles and
// accepts a checkpoint only if the log's key signs it and it extends the
// last one it saw; each entry is proven against the checkpoint, and only
// new entries are fetched. An entry the state machine refuses, or a
// history rewritten, stops the guardian: it acts only on a valid ledger.
// Every answer to a posted entry carries a signed checkpoint and the proof
// that the entry is in it, which the guardian checks.
//
// # What it does
//
//	g, err := guardian.Open(ctx, guardian.Config{URL: url, Election: id, KeyFile: file, Passphrase: p})
//	info, err := g.Ceremony(ctx)   // deal, complain, wait for the key, keep the share
//	err = g.Heartbeat(ctx)         // a heartbeat every minute until voting closes
//	err = g.Decrypt(ctx)           // the partial decryption of the tally, with proofs
//	err = g.Run(ctx)               // all three, until the result is on the ledger
//
// Each step reads the ledger first and does only what is still to do: a
// guardian stopped at any point and started again never posts a message
// twice and never deals twice (see Ceremony and the deal file). ReadStatus
// shows any election's ceremony, heartbeats and shares without a key.
package guardian
