// Package credential is urna's anonymous ballot credential: proof that a
// ballot comes from an eligible voter of a district, without saying which
// voter.
//
// # How a voter gets a credential
//
// Once the platform has checked who the voter is and that they may vote in
// a district, the voter's device and the district's issuer run RFC 9474
// blind RSA (variant RSABSSA-SHA384-PSS-Randomized):
//
//	// On the voter's device.
//	req, err := credential.NewRequest(rand.Reader, districtKey, electionHash, district)
//	send(req.Blinded())
//
//	// On the platform, after the identity and eligibility checks.
//	blindSig, err := issuer.BlindSign(blinded)
//
//	// Back on the device.
//	cred, err := req.Finalize(blindSig)
//	key, err := req.Key() // the Ed25519 private key and cred: store both
//
// NewRequest generates a fresh Ed25519 key pair, the credential key. The
// message that gets signed names the election, the district and that public
// key; the issuer sees it only blinded, so it cannot later recognise the
// credential, and the signature it returns verifies only for that message.
//
// # How a ballot box uses it
//
// A ballot carries the credential (Encode) and is signed by the credential
// key. The ballot box and every verifier decode the credential
// (DecodeCredential), take the issuer key that the election manifest lists
// for the credential's own district, call Verify with it and the election's
// context hash, and check the ballot's signature with VerifyBallotSignature
// under the credential's public key. A re-vote is another ballot under the
// same credential.
//
// # What it promises
//
//   - Unlinkability: the issuer sees the blinded message and returns a blind
//     signature; both are independent of the final credential (the blinding
//     factor is uniformly random), so the issuer cannot tell which issuance
//     produced a credential it later sees on a ballot.
//   - District binding: each (election, district) has its own issuer key.
//     The blind signer cannot read the message, so a district written inside
//     it proves nothing on its own: a voter of district A could put district
//     B there. What binds the district is that the verifier checks the
//     signature under the key of the district the credential names, and only
//     A's key signed for voters of A. Verify therefore must be given the key
//     the manifest lists for Credential.District — never a key chosen any
//     other way.
//   - Election binding: the signed message hashes the election's context
//     hash, so a credential of one election does not verify for another,
//     even if an issuer key were reused.
//   - One credential per issuance: an issuer signature covers one message,
//     which names one credential key. The issuer (package issuance) must
//     sign at most once per voter and district; this package cannot check
//     that.
//
// # Keys and secrets
//
// Key (the voter's credential key), Request (which holds the key and the
// blinding factor until it is finalised) and Issuer (the RSA private key)
// cannot be compared with ==, print as "[secret]" with any fmt verb and
// refuse JSON, text and binary marshalling. Key.Seed and Issuer.PrivateKey
// are the deliberate ways to store them. An issuer
// key is used for blind signing only; Issuer has no other signing method.
//
// Randomness arrives as an io.Reader. The package does no I/O, reads no
// clock and logs nothing, so it runs the same in the browser (WebAssembly).
//
// # Timing
//
// Ed25519 signing and key generation are constant time. The RSA operations
// use github.com/cloudflare/circl/blindsign/blindrsa, which computes with
// math/big: variable time. On the issuer, every private-key operation is
// blinded with a fresh random factor from crypto/rand before
// exponentiation, which hides the key from timing. On the device, the
// blinding factor's inverse is multiplied in variable time; the device runs
// this once per election.
//
// The exact message, encodings and verification steps are specified in
// SPEC.md ("Credentials" in the protocol specification), with check IDs
// CR1–CR5 that the code's comments name. Test vectors shared by every
// implementation are in testdata/credential_vectors.json.
package credential
