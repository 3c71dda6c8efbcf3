package threshold

import (
	"crypto/rand"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
)

// proveComplaint lets tests build a complaint against a good share.
func proveComplaint(g *Guardian, dealer int, e, s *ristretto255.Element) (*proof.DLEQ, error) {
	return proof.ProveDLEQ(complaintTranscript(g.ctx, dealer, g.index), group.G(), mustDecode(g.keys[g.index-1]), e, s, g.longTerm, rand.Reader)
}
