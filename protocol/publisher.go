package protocol

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// A Publisher is the body that publishes result protocols — the election
// commission's publication key and its self-signed X.509 certificate. It
// signs the protocol's XML (SignXML) and PDF (SignPDF); the certificate's
// SHA-256 fingerprint is printed in the PDF and is what a reader compares
// with the one the commission announces.
//
// The key is RSA-2048 with PKCS #1 v1.5 signatures over SHA-256: the one
// algorithm that XML-DSig verifiers (xmlsec1) and PDF readers (Poppler,
// Acrobat) all check the same way (the XML-DSig library writes ECDSA
// signatures in a form xmlsec1 rejects). 2048 bits, because the PDF
// signing library reserves room for the signature by a formula that a
// larger RSA signature overflows. A Publisher never prints, marshals or
// logs its private key: String shows the certificate's name and
// fingerprint.
type Publisher struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// PublisherKeyBits is the size of a generated publication key.
const PublisherKeyBits = 2048

// publisherValidity is how long a generated certificate is valid: protocols
// are archived documents, checked long after the election.
const publisherValidity = 30 * 365 * 24 * time.Hour

// Bounds on what ParsePublisher accepts.
const (
	minPublisherKeyBits = 2048
	maxPublisherKeyBits = 2048 // see Publisher
	maxPublisherPEM     = 64 << 10
)

// ErrPublisher is returned for a publication key or certificate that cannot
// be used.
var ErrPublisher = errors.New("protocol: bad publication key or certificate")

// GeneratePublisher makes a new publication key and a self-signed
// certificate for it, naming commonName, valid from now for 30 years. The
// caller stores it (MarshalPEM) and keeps the key secret. rand is the
// source of randomness (crypto/rand.Reader in production; the standard
// library may use its own secure source for the key itself).
func GeneratePublisher(rand io.Reader, commonName string) (*Publisher, error) {
	if commonName == "" {
		return nil, fmt.Errorf("%w: empty common name", ErrPublisher)
	}
	key, err := rsa.GenerateKey(rand, PublisherKeyBits)
	if err != nil {
		return nil, fmt.Errorf("protocol: generating the publication key: %w", err)
	}
	serial, err := randomSerial(rand)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Hour), // tolerate a verifier's slow clock
		NotAfter:              now.Add(publisherValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		// Its own trust anchor, as `openssl req -x509` makes one: OpenSSL
		// (xmlsec1 --trusted-pem) accepts a self-signed certificate as
		// trusted only if it is a CA. It certifies no other key.
		IsCA:               true,
		MaxPathLenZero:     true,
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("protocol: making the publication certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("protocol: making the publication certificate: %w", err)
	}
	return &Publisher{key: key, cert: cert}, nil
}

// randomSerial is a positive 128-bit certificate serial number.
func randomSerial(rand io.Reader) (*big.Int, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, fmt.Errorf("protocol: certificate serial: %w", err)
	}
	b[0] &= 0x7f
	b[0] |= 0x40 // never zero, always 16 bytes
	return new(big.Int).SetBytes(b[:]), nil
}

// ParsePublisher loads a publication key (PEM "PRIVATE KEY", PKCS #8) and
// its certificate (PEM "CERTIFICATE"), as MarshalPEM writes them. It checks
// that the key is RSA-2048, that the certificate is self-signed and that
// it certifies this key.
func ParsePublisher(keyPEM, certPEM []byte) (*Publisher, error) {
	if len(keyPEM) > maxPublisherPEM || len(certPEM) > maxPublisherPEM {
		return nil, fmt.Errorf("%w: PEM file larger than %d bytes", ErrPublisher, maxPublisherPEM)
	}
	kb, err := onePEM(keyPEM, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	cb, err := onePEM(certPEM, "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPublisher, err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: the key is %T, not RSA", ErrPublisher, k)
	}
	if n := key.N.BitLen(); n < minPublisherKeyBits || n > maxPublisherKeyBits {
		return nil, fmt.Errorf("%w: an RSA key of %d bits (want %d)", ErrPublisher, n, PublisherKeyBits)
	}
	cert, err := x509.ParseCertificate(cb)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPublisher, err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("%w: the certificate is not for this key", ErrPublisher)
	}
	// Not CheckSignatureFrom, which demands a CA: a certificate made
	// elsewhere may not be one.
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		return nil, fmt.Errorf("%w: the certificate is not self-signed: %v", ErrPublisher, err)
	}
	return &Publisher{key: key, cert: cert}, nil
}

// onePEM decodes exactly one PEM block of the given type and nothing else
// but white space.
func onePEM(b []byte, typ string) ([]byte, error) {
	block, rest := pem.Decode(b)
	if block == nil || block.Type != typ {
		return nil, fmt.Errorf("%w: not a PEM %q block", ErrPublisher, typ)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: data after the PEM %q block", ErrPublisher, typ)
	}
	return block.Bytes, nil
}

// MarshalPEM encodes the key (PKCS #8, to be stored with mode 0600) and
// the certificate, for ParsePublisher.
func (p *Publisher) MarshalPEM() (keyPEM, certPEM []byte, err error) {
	kb, err := x509.MarshalPKCS8PrivateKey(p.key)
	if err != nil {
		return nil, nil, fmt.Errorf("protocol: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), p.CertificatePEM(), nil
}

// Certificate is the publication certificate.
func (p *Publisher) Certificate() *x509.Certificate { return p.cert }

// CertificatePEM is the publication certificate in PEM, as published for
// xmlsec1 and others.
func (p *Publisher) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.cert.Raw})
}

// Fingerprint is the certificate's SHA-256 fingerprint in lowercase hex.
func (p *Publisher) Fingerprint() string { return CertificateFingerprint(p.cert) }

// String names the publisher by its certificate; it never shows the key.
func (p *Publisher) String() string {
	return fmt.Sprintf("publisher %q (certificate SHA-256 %s)", p.cert.Subject.CommonName, p.Fingerprint())
}

// GoString is String, so that %#v shows no key either.
func (p *Publisher) GoString() string { return p.String() }

// CertificateFingerprint is the SHA-256 of a certificate's DER encoding in
// lowercase hex — what `openssl x509 -fingerprint -sha256` shows, without
// the colons.
func CertificateFingerprint(c *x509.Certificate) string {
	h := sha256.Sum256(c.Raw)
	return hex.EncodeToString(h[:])
}
