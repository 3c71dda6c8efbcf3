package credential

import "errors"

// Errors returned, wrapped with detail, by the functions of this package.
// Callers decide with errors.Is.
var (
	// ErrMalformed: a credential's encoding breaks the format (DecodeCredential).
	ErrMalformed = errors.New("credential: malformed")

	// ErrInvalidSignature: the issuer's signature does not verify (Verify).
	ErrInvalidSignature = errors.New("credential: invalid signature")

	// ErrInvalidBlindSignature: what the issuer returned does not unblind to
	// a valid signature of the request (Request.Finalize). Either the issuer
	// misbehaved or the answer belongs to another request or key.
	ErrInvalidBlindSignature = errors.New("credential: invalid blind signature")

	// ErrInvalidBlindedMessage: a blinded message has the wrong length or is
	// not below the modulus (Issuer.BlindSign).
	ErrInvalidBlindedMessage = errors.New("credential: invalid blinded message")

	// ErrInvalidIssuerKey: an issuer key breaks the rules: RSA, e = 65537,
	// a modulus of 2048 to 4096 bits, canonical PKIX DER.
	ErrInvalidIssuerKey = errors.New("credential: invalid issuer key")

	// ErrInvalidDistrict: a district name is empty, longer than
	// MaxDistrictLen bytes, not UTF-8 or contains a control character.
	ErrInvalidDistrict = errors.New("credential: invalid district")

	// ErrKeyMismatch: a credential key's seed does not give the public key
	// the credential names (NewKey).
	ErrKeyMismatch = errors.New("credential: key does not match the credential")

	// ErrSigningFailure: the issuer's own check of its blind signature
	// (s^e = m mod n, RFC 9474 §4.3) failed — a fault in the private-key
	// operation. Nothing was released.
	ErrSigningFailure = errors.New("credential: signing failure")

	// ErrNotFinalized: Request.Key was called before a successful Finalize.
	ErrNotFinalized = errors.New("credential: request not finalized")
)
