// Package threshold is urna's key ceremony and threshold decryption: n
// guardians jointly make the election key so that any t of them can
// decrypt the tally, fewer learn nothing, and no machine ever holds the
// whole secret key.
//
// # The ceremony
//
// Everyone agrees beforehand on a Setup: the parameters (Default is 4 of
// 7), the ceremony context hash that binds the ceremony to one election,
// and each guardian's long-term public key (a LongTermKey's Public part,
// listed in the election manifest). Then each guardian runs a Guardian,
// feeding it what the ledger has recorded so far:
//
//	g, err := threshold.NewGuardian(setup, index, longTermKey, rand.Reader)
//	m1, err := g.Round1()              // publish m1.Encode() on the ledger
//	m2, err := g.Round2(recordedRound1) // publish m2.Encode()
//	res, err := g.Finish(recordedRound1, recordedRound2)
//	share, err := g.Share()             // x_j: keep it, or Recover it later
//
// Round 1 (the deal). Guardian i draws a random polynomial f_i of degree
// t−1 and publishes Feldman commitments C_{i,k} = a_{i,k}·G to its
// coefficients, a Schnorr proof of knowledge of a_{i,0} (so nobody can
// plant a "rogue" key computed from the others' to control the joint key),
// and the share f_i(j) of every guardian j, encrypted to j's long-term key
// with one ephemeral Diffie–Hellman key, HKDF-SHA-512 and
// ChaCha20-Poly1305. The shares are public ciphertexts on the ledger; each
// guardian's own share is sealed to itself too, so that a guardian can
// recover its key share from the ledger with nothing but its long-term key.
//
// Round 2 (complaints). Guardian j decrypts each share dealt to it and
// checks it against the dealer's commitments. For a share that fails, it
// publishes a complaint that reveals the Diffie–Hellman secret of that one
// share with a proof that it is the right one: anyone can then decrypt the
// share and judge the complaint, and j's long-term key stays secret. The
// round-2 message also carries a digest of the round-1 messages it judged,
// so all guardians provably judged the same deals.
//
// Round 3 (resolution) needs no message. A dealer with no valid deal or
// with a justified complaint is disqualified; an unjustified complaint
// changes nothing but names its author. The rest form QUAL, which must
// have at least t members, and
//
//	K = Σ_{i∈QUAL} C_{i,0}       the election key
//	x_j = Σ_{i∈QUAL} f_i(j)      guardian j's secret share
//	X_j = Σ_k j^k·Σ_{i∈QUAL} C_{i,k} = x_j·G, its public share
//
// Every message is signed with its guardian's long-term key and bound to
// the ceremony, so nobody can forge, pre-empt or replay a guardian's
// message.
//
// The ledger's state machine and the verifier run the public side, a
// Ceremony: AddRound1 and AddRound2 check each message as it comes
// (rejecting it with a *GuardianError), and Result returns the key, QUAL,
// the public shares and who was disqualified and why. A Guardian reaches
// its Result by running the very same code on the same messages.
//
// # Decryption
//
// For each ciphertext (A, B) of the tally, guardian j publishes D = x_j·A
// with a Chaum–Pedersen (DLEQ) proof that log_G X_j = log_A D, bound to the
// election context, its index and the ciphertext (PartialDecrypt).
// VerifyDecryptionShare checks one share and names its guardian if it is
// wrong. Combine verifies every share it is given, skips and names the
// invalid ones, and interpolates any t valid ones at zero: m·G = B − x·A.
// Finding m from m·G is package dlog's job.
//
// # Guarantees and limits
//
// With at most t−1 dishonest guardians and n ≥ 2t−1 (4 of 7 qualifies):
// the key is made, every honest guardian qualifies and gets a share that decrypts, every misbehaviour
// that the messages can show is detected and its guardian named, and the
// dishonest learn nothing about the key. As in every Pedersen-style
// ceremony, a dishonest dealer can choose to be disqualified after seeing
// the others' commitments, which biases the key's distribution slightly;
// this does not help anyone decrypt (Gennaro et al., "Secure Applications
// of Pedersen's Distributed Key Generation Protocol", 2003).
//
// Messages have one canonical encoding each; the decoders are strict
// (exact lengths, canonical elements and scalars, no trailing bytes) and
// anything that decodes re-encodes to the same bytes. Secret types —
// LongTermKey, Share, Guardian — cannot be compared with ==, printed or
// marshalled; storing a share is an explicit SecretForStorage call.
//
// The package does no I/O, reads no clock and logs nothing: randomness
// comes from an io.Reader, and the same code runs in the guardian's tool,
// the server, the verifier, the browser and a replicated ledger node.
// SPEC.md in this directory is the exact protocol, byte for byte; the test
// vectors in testdata/ are shared by every implementation. The design
// follows C2SP's COCKTAIL-DKG in spirit (one ephemeral key per dealer,
// shares sealed to every participant including the dealer, a proof of
// possession bound to the whole commitment), with the ledger as the
// broadcast channel and checkable complaints instead of an abort.
package threshold
