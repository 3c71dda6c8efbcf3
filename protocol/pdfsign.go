package protocol

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// SignPDF signs a protocol's PDF (as (*Protocol).PDF makes it) with the
// publication key: an incremental update that adds a certification
// signature (adbe.pkcs7.detached, SHA-256, the publication certificate
// embedded, no changes allowed after it), signed at time at. The PDF's
// bytes before the update are unchanged, so the unsigned PDF a reader
// rebuilds is a prefix of the signed one. No network is used: no
// time-stamp authority, no revocation look-up.
//
// doc must be a PDF this package made; SignPDF returns an error, never
// panics, on anything else.
func SignPDF(doc []byte, pub *Publisher, at time.Time) (signed []byte, err error) {
	defer func() {
		// The PDF reader panics on some malformed files.
		if r := recover(); r != nil {
			signed, err = nil, fmt.Errorf("protocol: signing the PDF: malformed PDF: %v", r)
		}
	}()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, fmt.Errorf("protocol: signing the PDF: %w", err)
	}
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(doc), &out, rdr, int64(len(doc)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{
				Name:   pdfLiteral(pub.cert.Subject.CommonName, ""),
				Reason: pdfLiteral(signReason, "Publication of the result protocol"),
				Date:   at,
			},
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
		},
		Signer:          pub.key,
		DigestAlgorithm: crypto.SHA256,
		Certificate:     pub.cert,
	})
	if err != nil {
		return nil, fmt.Errorf("protocol: signing the PDF: %w", err)
	}
	// An incremental update: the PDF, then one more revision. (When the
	// signature outgrows its reserved room, the library writes the file
	// twice over; never hand that out.)
	eof := []byte("%%EOF")
	if !bytes.HasPrefix(out.Bytes(), doc) || bytes.Count(out.Bytes(), eof) != bytes.Count(doc, eof)+1 {
		return nil, errors.New("protocol: signing the PDF: the signed file is not the PDF plus one revision")
	}
	return out.Bytes(), nil
}

// signReason is the signature's stated reason.
const signReason = "Публикация протокола об итогах голосования / Publication of the result protocol"

// pdfLiteral is s if the signing library can write it as a PDF literal
// string, else alt. The library writes non-ASCII text as UTF-16BE between
// parentheses without escaping, so a character one of whose bytes is a
// parenthesis, a backslash or a line end (Ш is 0x04 0x28) would break the
// string.
func pdfLiteral(s, alt string) string {
	for _, u := range utf16.Encode([]rune(s)) {
		for _, b := range []byte{byte(u >> 8), byte(u)} {
			if b == '(' || b == ')' || b == '\\' || b == '\r' || b == '\n' {
				return alt
			}
		}
	}
	return s
}
