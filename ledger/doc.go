// Package ledger is the public, append-only log of an election. Every event
// of an election (its definition, key ceremony messages, credentials issued,
// ballots cast, the close, the tally, decryption shares, the result, the
// commission's signatures) is an entry on it; a Merkle tree over the entries,
// committed to by signed checkpoints, lets anyone check that an entry is on
// the log and that the log only ever grew.
//
// The ledger never looks inside an entry. Entries are opaque bytes (package
// election produces and strictly decodes them); the ledger only requires
// each to be non-empty, at most MaxEntrySize bytes and free of newlines
// (CheckEntry), so that a log exports as one entry per line.
//
// # The tree
//
// The tree is RFC 9162's (the same as RFC 6962's), with SHA-256: the hash of
// a leaf is SHA-256(0x00 ‖ entry) (LeafHash), of an interior node
// SHA-256(0x01 ‖ left ‖ right) (NodeHash); a tree of n > 1 entries splits at
// the largest power of two smaller than n; the empty tree's root is
// SHA-256 of nothing (EmptyRoot). Inclusion and consistency proofs are
// RFC 9162's. A Checkpoint is the tree head: origin, size, root. Signed, it
// is a C2SP tlog-checkpoint: see Checkpoint for the exact bytes, and
// SPEC.md beside this file for everything an independent verifier needs.
//
// # Appending
//
// A Ledger is stored in one SQLite database file, or in one schema of a
// PostgreSQL database; the same tables and queries serve both. Open
// creates or opens it, the engine chosen by the address:
//
//	signer, _ := ledger.NewSigner(signerKey) // from ledger.GenerateKey
//	l, err := ledger.Open(ctx, "election.db", ledger.Options{
//		Origin: "urna.example/elections/2026-city",
//		Signer: signer,
//	})
//	index, err := l.Append(ctx, entry)
//
//	// or on PostgreSQL, in schema ledger_2026_city_…:
//	store, _ := ledger.PostgresStore("postgres://urna@db.example/urna", "2026-city")
//	l, err := ledger.Open(ctx, store, opts)
//
// An index returned means durably sequenced: the entry, its tree hashes and
// the new signed checkpoint are in a committed transaction made durable
// before Append returns, so it survives a crash or a power loss. On SQLite
// the write-ahead log was fsynced (WAL mode, synchronous=FULL); on
// PostgreSQL the COMMIT returned with synchronous_commit=on, on a server
// that Open checked runs with fsync and full_page_writes on and
// data_sync_retry off. One writer goroutine
// sequences everything. Concurrent Append calls are batched: the appends
// that queue while one transaction commits form the next group, committed
// as one transaction with one fsync and one checkpoint signature, and then
// all acknowledged (group commit; Options.MaxBatch, MaxBatchBytes and
// MaxDelay shape the groups). AppendBatch appends several entries at
// consecutive indices in one group.
//
// # Validation in sequence order
//
// Whether an entry is valid depends on every entry before it (a ballot is
// valid only while voting is open and only once per tracking code). The
// caller's state machine checks it in the right place through
// Options.Validator: the writer calls Validator.Check(index, entry) for each
// entry, one at a time, in the order the entries are sequenced, with the
// index the entry takes if accepted. Check judges the entry against the
// state after every entry below that index and, if it accepts, applies it.
// A rejected entry is not written and takes no index; the rest of its group
// goes through. See Validator for what happens to the state if a write
// fails.
//
// # Failure
//
// A write that fails leaves the log as it was: the transaction is rolled
// back and the in-memory tree is untouched. But the ledger then stops
// (fail-stop): a failed fsync, a full disk, a store changed by someone else
// or a damaged database puts it in a failed state in which every Append
// returns an error wrapping ErrFailed and the cause. It never truncates or
// repairs anything. Reopening checks the store: Open recomputes the tree
// from the entries and compares every stored hash, the stored root and the
// stored checkpoint (see Ledger.Check and Options.SkipFullCheck), and
// refuses a store that does not match with ErrCorrupt.
//
// (After a failed fsync, or a PostgreSQL connection lost during COMMIT,
// whether that last group reached the disk is unknown until the store is
// reopened: SQLite may find its commit in the write-ahead log, whole, or
// not at all, and the server has committed it whole or not at all. Either
// way it was never acknowledged, and the reopened log is consistent.)
//
// # Reading and proving
//
// Size, Entry, Entries, Root, Checkpoint, InclusionProof and
// ConsistencyProof read the store. Roots and proofs are computed from the
// stored hashes, never from the entries. ReadHashes exposes those hashes by
// their tlog stored-hash index (golang.org/x/mod/sumdb/tlog), the one
// storage interface from which roots, proofs and tiles are computed; package
// ledger/tiles serves them to followers as C2SP tlog-tiles, with a client
// that verifies everything it fetches.
//
// # Verifying without the store
//
// The verification functions take no storage. A voter's receipt carries an
// entry's index, the checkpoint signed when it was appended and an
// inclusion proof: OpenCheckpoint checks the signature, VerifyInclusion the
// proof; later, VerifyConsistency checks that the final checkpoint extends
// the receipt's. An exported log (Export: ledger.jsonl, one entry per line,
// and its checkpoint) is checked with ReadJSONL and VerifyEntries, or
// ReadTree to compute roots and proofs at any size. ResignCheckpoint is
// what an operator holding the log key can always do, and what receipts
// protect against.
package ledger
