package threshold

import (
	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/transcript"
)

// Every hash of the package, in one place: each function is one
// transcript of SPEC.md, named after its section.

// sessionHash is §2: the ceremony context, the parameters and every
// guardian's long-term key.
func sessionHash(s *Setup) [32]byte {
	t := transcript.New("urna/v1/dkg/session").Bytes("context", s.context[:]).
		Uint("n", uint64(s.p.N)).Uint("t", uint64(s.p.T))
	for _, k := range s.keys {
		t.Element("key", k)
	}
	return t.Digest("session")
}

// signatureTranscript is §3.2: a guardian's signature over a message body
// with its long-term key.
func signatureTranscript(s *Setup, guardian int, body []byte) *transcript.Transcript {
	return transcript.New("urna/v1/dkg/signature").Bytes("session", s.session[:]).
		Uint("guardian", uint64(guardian)).Bytes("message", body)
}

// pokTranscript is §4.1 step 4: the proof of knowledge of a dealer's constant term,
// bound to the dealer's whole commitment and ephemeral key.
func pokTranscript(s *Setup, dealer int, commitments []*ristretto255.Element, ephemeral *ristretto255.Element) *transcript.Transcript {
	return transcript.New("urna/v1/dkg/pok").Bytes("session", s.session[:]).
		Uint("dealer", uint64(dealer)).Elements("commitment", commitments...).
		Element("ephemeral", ephemeral)
}

// shareBinding is §4.3: what the encryption of one share is bound to. It is
// both the HKDF info and the AEAD associated data.
func shareBinding(s *Setup, dealer, recipient int, ephemeral *ristretto255.Element) [32]byte {
	return transcript.New("urna/v1/dkg/share").Bytes("session", s.session[:]).
		Uint("dealer", uint64(dealer)).Uint("recipient", uint64(recipient)).
		Element("ephemeral", ephemeral).Element("recipient key", s.keys[recipient-1]).
		Digest("share/binding")
}

// round1Digest is §5.1: the recorded round-1 messages, by ascending dealer.
func round1Digest(s *Setup, raw [][]byte) [32]byte {
	n := 0
	for _, b := range raw {
		if b != nil {
			n++
		}
	}
	t := transcript.New("urna/v1/dkg/round1").Bytes("session", s.session[:]).Uint("count", uint64(n))
	for i, b := range raw {
		if b != nil {
			t.Uint("dealer", uint64(i+1)).Bytes("message", b)
		}
	}
	return t.Digest("round1")
}

// complaintTranscript is §5.2: the proof that a revealed Diffie–Hellman
// secret is the complainer's.
func complaintTranscript(s *Setup, dealer, recipient int) *transcript.Transcript {
	return transcript.New("urna/v1/dkg/complaint").Bytes("session", s.session[:]).
		Uint("dealer", uint64(dealer)).Uint("recipient", uint64(recipient))
}

// decryptTranscript is §7.1: guardian j's partial decryption of ciphertext k
// of a tally under election context ctx.
func decryptTranscript(ctx [32]byte, guardian, k int, ct *elgamal.Ciphertext) *transcript.Transcript {
	return transcript.New("urna/v1/decrypt").Bytes("election", ctx[:]).
		Uint("guardian", uint64(guardian)).Uint("ciphertext", uint64(k)).
		Element("B", ct.B)
}
