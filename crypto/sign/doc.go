// Package sign is how commission members sign an election's result: a small
// set of signature schemes behind one interface, so that a deployment picks
// the scheme its law asks for and the state machine verifies whichever the
// manifest names.
//
// # Schemes
//
// Two schemes are built in, named by the strings a manifest carries:
//
//   - Ed25519 ("ed25519", and the empty string): RFC 8032 pure Ed25519, the
//     default.
//   - GOST256 ("gost2012-256"): GOST R 34.10-2012 with a 256-bit key on the
//     curve id-GostR3410-2001-CryptoPro-A-ParamSet (OID 1.2.643.2.2.35.1,
//     which TC26 also lists as id-tc26-gost-3410-2012-256-paramSetB), the
//     message hashed with Streebog-256 (GOST R 34.11-2012), for Russian
//     deployments.
//
// The exact byte encodings of public keys, signatures and private keys, and
// the verification equations, are in docs/protocol.md, section "Commission
// signature schemes", precisely enough for an independent verifier; the
// files in testdata/ are the vectors such a verifier runs.
//
// # Using it
//
// A member generates a key once (the CLI's "urna member keygen" does this
// and keeps the private key in a passphrase-protected file):
//
//	s, err := sign.Generate(sign.GOST256, rand.Reader)
//	text, err := sign.MarshalPrivate(s) // "urna-sign-v1 gost2012-256 <base64>\n"
//	pub := s.Public()                   // goes into the manifest
//	fmt.Println(sign.Fingerprint(s.Scheme(), pub))
//
// When the result is decided the member signs the protocol message, and
// anyone verifies it against the key the manifest lists:
//
//	sig, err := s.Sign(rand.Reader, message)
//	err = sign.Verify(member.Scheme, member.Key, message, sig)
//
// A signature covers exactly the bytes given; domain separation is the
// caller's (the election's protocol message is itself a labeled digest).
//
// # Providers
//
// Signer is an interface so that a key held elsewhere — a smart card, an
// HSM, a certified GOST provider, which legally qualified signatures in
// Russia require — signs through the same code path. Such a Signer returns
// the same encodings; MarshalPrivate refuses it, since its key never leaves
// the device.
//
// # Secrets and side channels
//
// The Signers this package makes cannot be compared with ==, print as
// "sign.Signer(<scheme>, [secret])" with every fmt verb, and refuse JSON,
// text and binary marshalling; MarshalPrivate is the one deliberate way out.
// Ed25519 runs in constant time (crypto/ed25519). The GOST arithmetic is
// go-cryptobin's math/big code and is not constant time: signing leaks
// timing about the key and the nonce to whoever can measure it closely, so
// sign on the member's own machine, not on a shared server. GOST nonces are
// hedged: derived from the key, the message digest and fresh randomness, so
// a weak random source alone does not reveal the key.
//
// The package does no I/O, reads no clock and logs nothing.
package sign
