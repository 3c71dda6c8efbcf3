package protocol_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/urna-vote/urna/protocol"
)

// A generated publisher round-trips through PEM, its certificate is
// self-signed for its key, and printing it never shows the key.
func TestPublisherPEM(t *testing.T) {
	pub := freshPublisher(t)
	k, c, err := pub.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	back, err := protocol.ParsePublisher(k, c)
	if err != nil {
		t.Fatal(err)
	}
	if back.Fingerprint() != pub.Fingerprint() || len(pub.Fingerprint()) != 64 {
		t.Fatalf("fingerprint %s, want %s", back.Fingerprint(), pub.Fingerprint())
	}
	cert := pub.Certificate()
	if cert.Subject.CommonName != "Публикация протоколов urna.local" || !cert.IsCA || cert.MaxPathLen != 0 || cert.NotAfter.Sub(cert.NotBefore).Hours() < 29*365*24 {
		t.Errorf("certificate %v, CA %v, valid %v to %v", cert.Subject, cert.IsCA, cert.NotBefore, cert.NotAfter)
	}
	keyBody := string(bytes.TrimSpace(k))
	keyBody = keyBody[strings.Index(keyBody, "\n")+1 : strings.LastIndex(keyBody, "\n")]
	for _, s := range []string{fmt.Sprint(pub), fmt.Sprintf("%v %+v %#v %s", pub, pub, pub, pub)} {
		if strings.Contains(s, keyBody[:40]) || strings.Contains(s, "PRIVATE") || !strings.Contains(s, pub.Fingerprint()) {
			t.Errorf("printing the publisher shows %q", s)
		}
	}
	if _, err := protocol.GeneratePublisher(rand.Reader, ""); err == nil {
		t.Error("a publisher without a name")
	}
}

// ParsePublisher refuses a key and certificate that do not belong
// together, the wrong kind of key, and anything around the PEM blocks.
func TestParsePublisherRefuses(t *testing.T) {
	a, b := testPublisher(t), freshPublisher(t)
	ak, ac, _ := a.MarshalPEM()
	_, bc, _ := b.MarshalPEM()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
	for name, kc := range map[string][2][]byte{
		"another key's certificate": {ak, bc},
		"an ECDSA key":              {ecPEM, ac},
		"swapped":                   {ac, ak},
		"text after the key":        {append(bytes.Clone(ak), "x"...), ac},
		"two certificates":          {ak, append(bytes.Clone(ac), ac...)},
		"empty":                     {nil, nil},
	} {
		if _, err := protocol.ParsePublisher(kc[0], kc[1]); !errors.Is(err, protocol.ErrPublisher) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
