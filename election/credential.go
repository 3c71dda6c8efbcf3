package election

import (
	"crypto/rsa"
	"crypto/subtle"
	"fmt"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/crypto/credential"
)

func parseIssuer(der []byte) (*rsa.PublicKey, error) { return credential.ParsePublicKey(der) }

// verifyCredential checks a ballot's credential (B3): it decodes, names a
// district of the election, is signed by that district's issuer for this
// election, and certifies the key that signed the ballot. It returns the
// district.
func verifyCredential(b *ballot.Ballot, issuers map[string]*rsa.PublicKey, election [32]byte) (string, error) {
	c, err := credential.DecodeCredential(b.Credential)
	if err != nil {
		return "", err
	}
	issuer, ok := issuers[c.District()]
	if !ok {
		return "", fmt.Errorf("credential names unknown district %q", c.District())
	}
	if err := c.Verify(issuer, election); err != nil {
		return "", err
	}
	if subtle.ConstantTimeCompare(c.PublicKey(), b.CredentialKey[:]) != 1 {
		return "", fmt.Errorf("the ballot is signed by a key the credential does not certify")
	}
	return c.District(), nil
}
