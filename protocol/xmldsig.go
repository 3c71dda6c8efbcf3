package protocol

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// The signed protocol (XML-DSig, docs/protocol-xml.md): the unsigned
// document with one enveloped signature inserted as the last child of
// <protocol>, immediately before its closing tag:
//
//	…</times>
//	<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">…</ds:Signature></protocol>
//
// SignedInfo is canonicalized with exclusive XML canonicalization 1.0
// (without comments) and signed with RSA PKCS #1 v1.5 over SHA-256; its one
// Reference has URI="" (the whole document) with the enveloped-signature
// and exclusive-canonicalization transforms and a SHA-256 digest; KeyInfo
// carries the publication certificate. Removing the signature's bytes gives
// back the unsigned document byte for byte, which is what `urna verify
// --protocol` compares with the ledger (check PR1).

// MaxSignedXML bounds the signed protocol VerifyXML reads.
const MaxSignedXML = 64 << 20

// ErrXMLSignature is returned for a signed protocol whose signature is
// missing, malformed or does not verify.
var ErrXMLSignature = errors.New("protocol: the XML signature does not verify")

// The algorithms of the signature, the only ones VerifyXML accepts.
const (
	xmlC14N      = string(dsig.CanonicalXML10ExclusiveAlgorithmId)
	xmlEnveloped = string(dsig.EnvelopedSignatureAltorithmId)
	xmlSigMethod = dsig.RSASHA256SignatureMethod
	xmlDigest    = "http://www.w3.org/2001/04/xmlenc#sha256"
)

// IsSignedXML tells whether a protocol document is well-formed XML that
// carries a ds:Signature element, without checking the signature.
func IsSignedXML(doc []byte) bool {
	if len(doc) > MaxSignedXML {
		return false
	}
	scan, err := scanXML(doc)
	return err == nil && len(scan.signatures) > 0
}

// SignXML signs an unsigned protocol document (as (*Protocol).XML makes
// it) with the publication key: an enveloped XML-DSig signature with the
// publication certificate in KeyInfo. Before returning, it checks the
// result with VerifyXML and that stripping the signature gives back doc.
func SignXML(doc []byte, pub *Publisher) ([]byte, error) {
	scan, err := scanXML(doc)
	if err != nil {
		return nil, err
	}
	if len(scan.signatures) != 0 {
		return nil, errors.New("protocol: the document is already signed")
	}
	tree := etree.NewDocument()
	if err := tree.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	ctx, err := dsig.NewSigningContext(pub.key, [][]byte{pub.cert.Raw})
	if err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(xmlSigMethod); err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	sig, err := ctx.ConstructSignature(tree.Root(), true)
	if err != nil {
		return nil, fmt.Errorf("protocol: signing the XML: %w", err)
	}
	sigDoc := etree.NewDocument()
	sigDoc.SetRoot(sig)
	sigBytes, err := sigDoc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	signed := make([]byte, 0, len(doc)+len(sigBytes))
	signed = append(signed, doc[:scan.rootEnd]...)
	signed = append(signed, sigBytes...)
	signed = append(signed, doc[scan.rootEnd:]...)
	back, _, err := VerifyXML(signed)
	if err != nil {
		return nil, fmt.Errorf("protocol: the signed document does not verify: %w", err)
	}
	if !bytes.Equal(back, doc) {
		return nil, errors.New("protocol: the signed document does not strip back to the document")
	}
	return signed, nil
}

// VerifyXML checks the signature of a signed protocol document against
// the certificate it carries and returns the unsigned document (the signed
// one without its ds:Signature element) and that certificate.
//
// It proves that the document is unchanged since the holder of the
// certificate's key signed it; whose key that is, the caller decides by
// comparing CertificateFingerprint(cert) with the fingerprint the
// commission announces (it is printed in the PDF). The certificate's
// validity period is not checked against the clock: the signature carries
// no time, and a protocol is checked long after it was published. The
// unsigned document is guaranteed to be, after canonicalization, exactly
// what was signed; whether it is the protocol the ledger gives is check
// PR1's business.
func VerifyXML(signed []byte) (doc []byte, cert *x509.Certificate, err error) {
	if len(signed) > MaxSignedXML {
		return nil, nil, fmt.Errorf("%w: larger than %d bytes", ErrXMLSignature, MaxSignedXML)
	}
	scan, err := scanXML(signed)
	if err != nil {
		return nil, nil, err
	}
	if len(scan.signatures) != 1 {
		return nil, nil, fmt.Errorf("%w: %d signatures, want one", ErrXMLSignature, len(scan.signatures))
	}
	s := scan.signatures[0]
	if s.depth != 1 {
		return nil, nil, fmt.Errorf("%w: the signature is not a child of <protocol>", ErrXMLSignature)
	}
	cert, err = checkSignatureElement(signed[s.start:s.end])
	if err != nil {
		return nil, nil, err
	}
	tree := etree.NewDocument()
	if err := tree.ReadFromBytes(signed); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrXMLSignature, err)
	}
	vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	vctx.Clock = dsig.NewFakeClockAt(cert.NotBefore) // see above: no wall clock
	validated, err := vctx.Validate(tree.Root())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrXMLSignature, err)
	}
	doc = append(bytes.Clone(signed[:s.start]), signed[s.end:]...)
	// What is returned must be what was signed: the same canonical form.
	unsigned := etree.NewDocument()
	if err := unsigned.ReadFromBytes(doc); err != nil {
		return nil, nil, fmt.Errorf("%w: without its signature: %v", ErrXMLSignature, err)
	}
	a, errA := canonical(unsigned.Root())
	b, errB := canonical(validated)
	if err := errors.Join(errA, errB); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrXMLSignature, err)
	}
	if !bytes.Equal(a, b) {
		return nil, nil, fmt.Errorf("%w: the document without its signature is not what was signed", ErrXMLSignature)
	}
	return doc, cert, nil
}

func canonical(el *etree.Element) ([]byte, error) {
	return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(el.Copy())
}

// xmlSignature is the shape of the ds:Signature element VerifyXML accepts.
type xmlSignature struct {
	XMLName    xml.Name `xml:"http://www.w3.org/2000/09/xmldsig# Signature"`
	SignedInfo []struct {
		C14N []struct {
			Algorithm string `xml:"Algorithm,attr"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# CanonicalizationMethod"`
		Method []struct {
			Algorithm string `xml:"Algorithm,attr"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# SignatureMethod"`
		Reference []struct {
			URI        *string `xml:"URI,attr"`
			Transforms []struct {
				Transform []struct {
					Algorithm string `xml:"Algorithm,attr"`
				} `xml:"http://www.w3.org/2000/09/xmldsig# Transform"`
			} `xml:"http://www.w3.org/2000/09/xmldsig# Transforms"`
			Digest []struct {
				Algorithm string `xml:"Algorithm,attr"`
			} `xml:"http://www.w3.org/2000/09/xmldsig# DigestMethod"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# Reference"`
	} `xml:"http://www.w3.org/2000/09/xmldsig# SignedInfo"`
	Value   []string `xml:"http://www.w3.org/2000/09/xmldsig# SignatureValue"`
	KeyInfo []struct {
		X509Data []struct {
			Certificate []string `xml:"http://www.w3.org/2000/09/xmldsig# X509Certificate"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# X509Data"`
	} `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo"`
}

// checkSignatureElement checks that the signature uses exactly the
// algorithms and the one whole-document reference SignXML makes, and
// returns the certificate in its KeyInfo (an RSA key of at least 2048 bits).
func checkSignatureElement(el []byte) (*x509.Certificate, error) {
	var s xmlSignature
	if err := xml.Unmarshal(el, &s); err != nil {
		return nil, fmt.Errorf("%w: the ds:Signature element: %v", ErrXMLSignature, err)
	}
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrXMLSignature, what) }
	if len(s.SignedInfo) != 1 || len(s.Value) != 1 || len(s.KeyInfo) != 1 {
		return nil, bad("want one SignedInfo, SignatureValue and KeyInfo")
	}
	si := s.SignedInfo[0]
	if len(si.C14N) != 1 || si.C14N[0].Algorithm != xmlC14N {
		return nil, bad("SignedInfo is not canonicalized with exclusive XML canonicalization")
	}
	if len(si.Method) != 1 || si.Method[0].Algorithm != xmlSigMethod {
		return nil, bad("the signature method is not RSA with SHA-256")
	}
	if len(si.Reference) != 1 {
		return nil, bad("want exactly one Reference")
	}
	ref := si.Reference[0]
	if ref.URI == nil || *ref.URI != "" {
		return nil, bad(`the Reference is not to the whole document (URI="")`)
	}
	if len(ref.Transforms) != 1 || len(ref.Transforms[0].Transform) != 2 ||
		ref.Transforms[0].Transform[0].Algorithm != xmlEnveloped || ref.Transforms[0].Transform[1].Algorithm != xmlC14N {
		return nil, bad("the Reference's transforms are not enveloped-signature then exclusive canonicalization")
	}
	if len(ref.Digest) != 1 || ref.Digest[0].Algorithm != xmlDigest {
		return nil, bad("the digest is not SHA-256")
	}
	ki := s.KeyInfo[0]
	if len(ki.X509Data) != 1 || len(ki.X509Data[0].Certificate) != 1 {
		return nil, bad("KeyInfo does not carry exactly one certificate")
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(ki.X509Data[0].Certificate[0]), ""))
	if err != nil {
		return nil, bad("the certificate is not base64")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: the certificate: %v", ErrXMLSignature, err)
	}
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || key.N.BitLen() < minPublisherKeyBits {
		return nil, bad("the certificate's key is not RSA of at least 2048 bits")
	}
	return cert, nil
}

// xmlScan is what scanXML finds in a protocol document.
type xmlScan struct {
	rootEnd    int       // offset of the root's closing tag
	signatures []xmlSpan // every ds:Signature element, at any depth
}

// xmlSpan is an element's bytes, from its start tag to after its end tag.
type xmlSpan struct {
	start, end, depth int
}

// scanXML reads a protocol document strictly (UTF-8, well-formed, an
// optional XML declaration, then the root {urn:urna:protocol:1}protocol
// and nothing but white space around it; no DOCTYPE, comment, other
// processing instruction or duplicate attribute) and locates its root's
// closing tag and its ds:Signature elements.
func scanXML(b []byte) (xmlScan, error) {
	var scan xmlScan
	fail := func(format string, a ...any) (xmlScan, error) {
		return xmlScan{}, fmt.Errorf("%w: %s", ErrXMLSignature, fmt.Sprintf(format, a...))
	}
	if !utf8.Valid(b) {
		return fail("not UTF-8")
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	depth, sigDepth, sigStart, roots := 0, 0, 0, 0
	scan.rootEnd = -1
	for {
		off := int(d.InputOffset())
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail("%v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return fail("a DOCTYPE or other directive")
		case xml.Comment:
			return fail("a comment")
		case xml.ProcInst:
			if off != 0 || t.Target != "xml" {
				return fail("a processing instruction")
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) != 0 {
				return fail("text outside the root element")
			}
		case xml.StartElement:
			if depth == 0 {
				if roots++; roots > 1 || t.Name.Space != Namespace || t.Name.Local != "protocol" {
					return fail("the root element is not one {%s}protocol", Namespace)
				}
			}
			seen := map[xml.Name]bool{}
			for _, a := range t.Attr {
				if seen[a.Name] {
					return fail("a duplicate attribute %s", a.Name.Local)
				}
				seen[a.Name] = true
			}
			depth++
			if sigDepth == 0 && t.Name.Space == dsig.Namespace && t.Name.Local == "Signature" {
				sigDepth, sigStart = depth, off
			}
		case xml.EndElement:
			if depth == sigDepth {
				scan.signatures = append(scan.signatures, xmlSpan{sigStart, int(d.InputOffset()), depth - 1})
				sigDepth = 0
			}
			depth--
			if depth == 0 {
				scan.rootEnd = off
			}
		}
	}
	if scan.rootEnd < 0 || depth != 0 {
		return fail("no complete root element")
	}
	return scan, nil
}
