package protocol

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
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
	"github.com/russellhaering/goxmldsig/etreeutils"
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
//
// It follows XML-DSig core validation (§3.2) for the one shape SignXML
// makes, with goxmldsig's canonicalization: the library's own Validate
// refuses documents of more than a thousand elements, and a protocol has
// one per district, contest and option.
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
	cert, value, err := checkSignatureElement(signed[s.start:s.end])
	if err != nil {
		return nil, nil, err
	}
	fail := func(what string, err error) ([]byte, *x509.Certificate, error) {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrXMLSignature, what, err)
	}
	tree := etree.NewDocument()
	if err := tree.ReadFromBytes(signed); err != nil {
		return fail("reading", err)
	}
	root := tree.Root()
	sigEl := dsChild(root, "Signature")
	signedInfo := dsChild(sigEl, "SignedInfo")
	if signedInfo == nil {
		return fail("reading", errors.New("no ds:SignedInfo"))
	}
	// Core validation, step 2: SignedInfo, canonicalized in its context,
	// carries the publication key's signature.
	ctx, err := etreeutils.NSBuildParentContext(signedInfo)
	if err != nil {
		return fail("SignedInfo", err)
	}
	detached, err := etreeutils.NSDetatch(ctx, signedInfo)
	if err != nil {
		return fail("SignedInfo", err)
	}
	canonSI, err := canonical(detached)
	if err != nil {
		return fail("SignedInfo", err)
	}
	if err := cert.CheckSignature(x509.SHA256WithRSA, canonSI, value); err != nil {
		return fail("SignedInfo", err)
	}
	// Step 1: the reference, read from the signed SignedInfo: the
	// document without its signature, canonicalized, has the digest.
	digest, err := checkSignedInfo(canonSI)
	if err != nil {
		return nil, nil, err
	}
	enveloped := root.Copy()
	enveloped.RemoveChildAt(sigEl.Index())
	content, err := canonical(enveloped)
	if err != nil {
		return fail("the document", err)
	}
	if h := sha256.Sum256(content); !bytes.Equal(h[:], digest) {
		return nil, nil, fmt.Errorf("%w: the document's digest does not match: it was changed after it was signed", ErrXMLSignature)
	}
	// What is returned must be what was signed: the same canonical form.
	doc = append(bytes.Clone(signed[:s.start]), signed[s.end:]...)
	unsigned := etree.NewDocument()
	if err := unsigned.ReadFromBytes(doc); err != nil {
		return fail("without its signature", err)
	}
	stripped, err := canonical(unsigned.Root())
	if err != nil {
		return fail("without its signature", err)
	}
	if !bytes.Equal(stripped, content) {
		return nil, nil, fmt.Errorf("%w: the document without its signature is not what was signed", ErrXMLSignature)
	}
	return doc, cert, nil
}

// dsChild is el's one child element {xmldsig}local, or nil.
func dsChild(el *etree.Element, local string) *etree.Element {
	if el == nil {
		return nil
	}
	var found *etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == dsig.Namespace {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

// canonical is el in exclusive XML canonicalization 1.0 without comments.
func canonical(el *etree.Element) ([]byte, error) {
	return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(el.Copy())
}

type algorithm struct {
	Algorithm string `xml:"Algorithm,attr"`
}

// xmlSignedInfo is the shape of the SignedInfo VerifyXML accepts.
type xmlSignedInfo struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2000/09/xmldsig# SignedInfo"`
	C14N      []algorithm `xml:"http://www.w3.org/2000/09/xmldsig# CanonicalizationMethod"`
	Method    []algorithm `xml:"http://www.w3.org/2000/09/xmldsig# SignatureMethod"`
	Reference []struct {
		URI        *string `xml:"URI,attr"`
		Transforms []struct {
			Transform []algorithm `xml:"http://www.w3.org/2000/09/xmldsig# Transform"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# Transforms"`
		Digest      []algorithm `xml:"http://www.w3.org/2000/09/xmldsig# DigestMethod"`
		DigestValue []string    `xml:"http://www.w3.org/2000/09/xmldsig# DigestValue"`
	} `xml:"http://www.w3.org/2000/09/xmldsig# Reference"`
}

// checkSignedInfo checks that the (verified, canonical) SignedInfo uses
// exactly the algorithms and the one whole-document reference SignXML
// makes, and returns the reference's digest.
func checkSignedInfo(canon []byte) ([]byte, error) {
	bad := func(what string) ([]byte, error) { return nil, fmt.Errorf("%w: %s", ErrXMLSignature, what) }
	var si xmlSignedInfo
	if err := xml.Unmarshal(canon, &si); err != nil {
		return nil, fmt.Errorf("%w: SignedInfo: %v", ErrXMLSignature, err)
	}
	if len(si.C14N) != 1 || si.C14N[0].Algorithm != xmlC14N {
		return bad("SignedInfo is not canonicalized with exclusive XML canonicalization")
	}
	if len(si.Method) != 1 || si.Method[0].Algorithm != xmlSigMethod {
		return bad("the signature method is not RSA with SHA-256")
	}
	if len(si.Reference) != 1 {
		return bad("want exactly one Reference")
	}
	ref := si.Reference[0]
	if ref.URI == nil || *ref.URI != "" {
		return bad(`the Reference is not to the whole document (URI="")`)
	}
	if len(ref.Transforms) != 1 || len(ref.Transforms[0].Transform) != 2 ||
		ref.Transforms[0].Transform[0].Algorithm != xmlEnveloped || ref.Transforms[0].Transform[1].Algorithm != xmlC14N {
		return bad("the Reference's transforms are not enveloped-signature then exclusive canonicalization")
	}
	if len(ref.Digest) != 1 || ref.Digest[0].Algorithm != xmlDigest || len(ref.DigestValue) != 1 {
		return bad("the digest is not one SHA-256")
	}
	d, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(ref.DigestValue[0]), ""))
	if err != nil || len(d) != sha256.Size {
		return bad("the digest value is not a base64 SHA-256")
	}
	return d, nil
}

// xmlSignature is the shape of the ds:Signature element VerifyXML accepts
// (SignedInfo is checked once its signature verifies).
type xmlSignature struct {
	XMLName    xml.Name   `xml:"http://www.w3.org/2000/09/xmldsig# Signature"`
	SignedInfo []struct{} `xml:"http://www.w3.org/2000/09/xmldsig# SignedInfo"`
	Value      []string   `xml:"http://www.w3.org/2000/09/xmldsig# SignatureValue"`
	KeyInfo    []struct {
		X509Data []struct {
			Certificate []string `xml:"http://www.w3.org/2000/09/xmldsig# X509Certificate"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# X509Data"`
	} `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo"`
}

// checkSignatureElement checks the ds:Signature element's shape and
// returns the certificate in its KeyInfo (an RSA key of at least 2048
// bits) and the signature value.
func checkSignatureElement(el []byte) (*x509.Certificate, []byte, error) {
	var s xmlSignature
	if err := xml.Unmarshal(el, &s); err != nil {
		return nil, nil, fmt.Errorf("%w: the ds:Signature element: %v", ErrXMLSignature, err)
	}
	bad := func(what string) (*x509.Certificate, []byte, error) {
		return nil, nil, fmt.Errorf("%w: %s", ErrXMLSignature, what)
	}
	if len(s.SignedInfo) != 1 || len(s.Value) != 1 || len(s.KeyInfo) != 1 {
		return bad("want one SignedInfo, SignatureValue and KeyInfo")
	}
	value, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s.Value[0]), ""))
	if err != nil {
		return bad("the signature value is not base64")
	}
	ki := s.KeyInfo[0]
	if len(ki.X509Data) != 1 || len(ki.X509Data[0].Certificate) != 1 {
		return bad("KeyInfo does not carry exactly one certificate")
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(ki.X509Data[0].Certificate[0]), ""))
	if err != nil {
		return bad("the certificate is not base64")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the certificate: %v", ErrXMLSignature, err)
	}
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || key.N.BitLen() < minPublisherKeyBits {
		return bad("the certificate's key is not RSA of at least 2048 bits")
	}
	return cert, value, nil
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
