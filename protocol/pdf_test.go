package protocol_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/internal/golden"
	"github.com/urna-vote/urna/protocol"
)

// The PDF of the golden sample is reproducible: rendering it again gives
// the same bytes, and they are the stored ones (testdata/protocol.pdf).
func TestGoldenPDF(t *testing.T) {
	pub := testPublisher(t)
	p := sample()
	doc, err := p.PDF(pub.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := sample().PDF(pub.Certificate())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, doc) {
			t.Fatal("rendering the same protocol twice gives different PDFs")
		}
	}
	golden.Check(t, filepath.Join("testdata", "protocol.pdf"), doc)
	if !bytes.Contains(doc, []byte("/CreationDate (D:20260913184207)")) {
		t.Error("the PDF's date is not the time the result was published")
	}
	p.Counts.BallotsSpoiled++
	changed, err := p.PDF(pub.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(changed, doc) {
		t.Error("a changed count gives the same PDF")
	}
}

// What a reader sees in the signed PDF: pdftotext finds the Cyrillic
// title, the counts, each member's key and signature fingerprints and the
// publication certificate's; pdftoppm draws a page that is not blank.
func TestPDFContent(t *testing.T) {
	pdftotext := tool(t, "pdftotext", "poppler-utils")
	pdftoppm := tool(t, "pdftoppm", "poppler-utils")
	pub := testPublisher(t)
	p := sample()
	unsigned, err := p.PDF(pub.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := protocol.SignPDF(unsigned, pub, time.Date(2026, 9, 13, 19, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	file := write(t, "protocol.pdf", doc)
	out, ok := run(t, pdftotext, "-layout", file, "-")
	if !ok {
		t.Fatalf("pdftotext: %s", out)
	}
	text := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"ПРОТОКОЛ ОБ ИТОГАХ ГОЛОСОВАНИЯ", "Выборы депутатов Городской думы 2026 года", "City Duma election 2026",
		"Щукина Анна Сергеевна / Anna Shchukina 612", "Против всех / None of the above 102",
		"1312", "1207", "148", "31", "okrug-2", "Нет / No 105",
		"vybory.example.ru/elections/gd-2026", "q5Jx0m3Q4wq6YbW3yZ9m8rTt1vUu2sSx0a1b2c3d4e8=",
		"Юсупов Тимур", "Łukasz Żółć", "gost2012-256", "ed25519", "не подписал / did not sign",
		p.Commission[0].Fingerprint,
		pub.Fingerprint(), "urna verify", "2026-09-13T18:42:07.125Z",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	for _, m := range p.Commission {
		if m.Signature == "" {
			continue
		}
		sig, _ := base64.StdEncoding.DecodeString(m.Signature)
		h := sha256.Sum256(sig)
		if !strings.Contains(text, hex.EncodeToString(h[:])) {
			t.Errorf("the PDF's text lacks the SHA-256 of %s's signature", m.ID)
		}
	}

	prefix := filepath.Join(t.TempDir(), "page")
	if out, ok := run(t, pdftoppm, "-r", "50", "-png", "-f", "1", "-l", "1", file, prefix); !ok {
		t.Fatalf("pdftoppm: %s", out)
	}
	pages, _ := filepath.Glob(prefix + "*.png")
	if len(pages) != 1 {
		t.Fatalf("pdftoppm made %v", pages)
	}
	f, err := os.Open(pages[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	dark, b := 0, img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl < 3*0x8000 {
				dark++
			}
		}
	}
	if share := float64(dark) / float64(b.Dx()*b.Dy()); share < 0.01 {
		t.Errorf("page 1 is nearly blank: %.4f of its pixels are dark", share)
	}
	if os.Getenv("URNA_ARTIFACTS") != "" {
		dir := filepath.Join(os.Getenv("URNA_ARTIFACTS"), "protocol")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "protocol.pdf"), doc, 0o644)
	}
}

// Poppler's pdfsig reports the publication signature valid (the
// self-signed certificate itself is not trusted, which is expected), and
// reports it broken once one byte inside the signed range changes.
func TestPDFSignature(t *testing.T) {
	pdfsig := tool(t, "pdfsig", "poppler-utils")
	pub := freshPublisher(t)
	doc, err := sample().PDF(pub.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	signed, err := protocol.SignPDF(doc, pub, time.Date(2026, 9, 13, 19, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, doc) {
		t.Fatal("the signed PDF does not begin with the unsigned one")
	}
	out, _ := run(t, pdfsig, write(t, "protocol.pdf", signed))
	if !strings.Contains(out, "Signature Validation: Signature is Valid.") {
		t.Fatalf("pdfsig does not report the signature valid:\n%s", out)
	}
	if !strings.Contains(out, "Total document signed") {
		t.Errorf("pdfsig does not report the whole document signed:\n%s", out)
	}
	// One byte of a count inside the signed range (the page content
	// streams are compressed, so change the document's title instead:
	// the Info dictionary is signed too).
	i := bytes.Index(signed, []byte("/Producer"))
	if i < 0 || i >= len(doc) {
		t.Fatal("no /Producer in the signed range")
	}
	tampered := bytes.Clone(signed)
	tampered[i+len("/Producer (")] ^= 0x01
	out, _ = run(t, pdfsig, write(t, "tampered.pdf", tampered))
	if strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Signature Validation: Digest Mismatch.") {
		t.Fatalf("pdfsig does not report the changed PDF invalid:\n%s", out)
	}
	t.Logf("pdfsig on the changed PDF: %s", oneLine(out))
}

// SignPDF refuses what is not a PDF, without panicking.
func TestSignPDFRefuses(t *testing.T) {
	pub := testPublisher(t)
	for _, b := range [][]byte{nil, []byte("%PDF-1.4\n"), []byte("not a pdf"), bytes.Repeat([]byte("%PDF-1.7\ntrailer<</Root 1 0 R>>\n%%EOF\n"), 3)} {
		if _, err := protocol.SignPDF(b, pub, time.Now()); err == nil {
			t.Errorf("signed %q", b)
		}
	}
}

// Titles are the organiser's text: characters the font lacks, control
// characters, words longer than a column and empty lists still give a
// PDF, never a panic.
func TestPDFOddText(t *testing.T) {
	pub := testPublisher(t)
	long := strings.Repeat("Очень-длинное-слово", 40)
	p := sample()
	p.Election.TitleRU = "Выборы 🗳️ \x00\x07\t\r\n" + long
	p.Election.TitleEN = ""
	p.Election.Training = true
	p.Contests[0].Options[0].TitleRU = long
	p.Contests[0].Options[1].TitleRU = "中文 العربية \U0001F600"
	p.Guardians, p.Districts = nil, nil
	p.Commission[0].Signature = "not base64!"
	p.Times = protocol.Times{}
	doc, err := p.PDF(pub.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte("%PDF-")) || !bytes.Contains(doc, []byte("/CreationDate (D:19700101000000)")) {
		t.Errorf("not a PDF dated at the epoch: %.60q", doc)
	}
	if _, err := (&protocol.Protocol{}).PDF(pub.Certificate()); err != nil {
		t.Errorf("an empty protocol: %v", err)
	}
	if _, err := sample().PDF(nil); err == nil {
		t.Error("a PDF without the publication certificate")
	}
}
