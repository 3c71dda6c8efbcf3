package protocol

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

// The PDF embeds DejaVu Sans (fonts/LICENSE), which covers Cyrillic.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// SchemeEd25519 is the signature scheme a commission member's key has when
// the manifest names none.
const SchemeEd25519 = "ed25519"

// Page geometry (millimetres, A4 portrait) and text sizes (points).
const (
	pageMargin  = 15.0
	textWidth   = 210 - 2*pageMargin
	lineHeight  = 4.6
	sizeTitle   = 14
	sizeHeading = 11
	sizeText    = 9
	sizeSmall   = 7.5
)

// labelled is the widths of a two-column table of labels and values; the
// value column holds a SHA-256 in hex on one line at sizeSmall+0.5.
var labelled = []float64{55, textWidth - 55}

// PDF renders the protocol as a PDF for people: Russian first with English
// labels — the election, the ledger checkpoint it was built from, the
// reconciliation counts, a table of results per contest and per district,
// the guardians who decrypted, the commission members with their key's
// scheme and the SHA-256 fingerprints of their public key and of their
// signature, the times, the publication certificate's SHA-256 fingerprint
// and how to check it all (`urna verify`).
//
// The output is deterministic: the same protocol and certificate give the
// same bytes (the document's dates are the time the result was published),
// so anyone can rebuild the unsigned PDF before comparing. SignPDF signs
// it.
func (p *Protocol) PDF(publisher *x509.Certificate) ([]byte, error) {
	if publisher == nil {
		return nil, errors.New("protocol: the PDF needs the publication certificate")
	}
	r := newRenderer(p)
	r.render(publisher)
	if err := r.f.Error(); err != nil {
		return nil, fmt.Errorf("protocol: rendering the PDF: %w", err)
	}
	var buf bytes.Buffer
	if err := r.f.Output(&buf); err != nil {
		return nil, fmt.Errorf("protocol: rendering the PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// decidedTime is when the result was published, the PDF's date; the Unix
// epoch if the protocol has none.
func (p *Protocol) decidedTime() time.Time {
	t, err := time.Parse("2006-01-02T15:04:05.000Z", p.Times.Decided)
	if err != nil {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC()
}

type renderer struct {
	p    *Protocol
	f    *fpdf.Fpdf
	size float64 // the text size of tables
}

func newRenderer(p *Protocol) *renderer {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true)
	at := p.decidedTime()
	f.SetCreationDate(at)
	f.SetModificationDate(at)
	f.AddUTF8FontFromBytes("DejaVu", "", fontRegular)
	f.AddUTF8FontFromBytes("DejaVu", "B", fontBold)
	f.SetMargins(pageMargin, pageMargin, pageMargin)
	f.SetAutoPageBreak(true, pageMargin+5)
	f.SetTitle(clean("Протокол об итогах голосования / Result protocol: "+p.Election.TitleRU), true)
	f.SetSubject(clean(p.Election.TitleEN), true)
	f.SetCreator("urna", true)
	f.SetProducer("urna", true)
	f.SetLang("ru")
	f.AliasNbPages("{nb}")
	r := &renderer{p: p, f: f, size: sizeText}
	f.SetFooterFunc(r.footer)
	return r
}

func (r *renderer) footer() {
	f := r.f
	f.SetY(-pageMargin)
	f.SetFont("DejaVu", "", sizeSmall)
	f.SetTextColor(90, 90, 90)
	f.CellFormat(0, 4, clean(fmt.Sprintf("Протокол / Protocol %s · стр. / page %d из / of {nb}", r.p.Election.ID, f.PageNo())), "", 0, "C", false, 0, "")
	f.SetTextColor(0, 0, 0)
}

func (r *renderer) render(publisher *x509.Certificate) {
	p, f := r.p, r.f
	f.AddPage()
	f.SetFont("DejaVu", "B", sizeTitle)
	f.MultiCell(0, 7, "ПРОТОКОЛ ОБ ИТОГАХ ГОЛОСОВАНИЯ", "", "C", false)
	f.SetFont("DejaVu", "", sizeHeading)
	f.MultiCell(0, 6, "Result protocol", "", "C", false)
	f.Ln(3)
	f.SetFont("DejaVu", "B", 12)
	f.MultiCell(0, 6, clean(p.Election.TitleRU), "", "C", false)
	if p.Election.TitleEN != "" {
		f.SetFont("DejaVu", "", sizeText+1)
		f.MultiCell(0, 5, clean(p.Election.TitleEN), "", "C", false)
	}
	f.SetFont("DejaVu", "", sizeText)
	f.MultiCell(0, 5, clean("Выборы / Election: "+p.Election.ID), "", "C", false)
	if p.Election.Training {
		f.SetFont("DejaVu", "B", sizeText)
		f.MultiCell(0, 5, "Учебные выборы: итоги не имеют юридической силы / Training election: the result has no legal effect", "", "C", false)
	}

	r.heading("1. Журнал выборов", "The election's ledger")
	r.size = sizeSmall + 0.5
	r.table(labelled, nil, [][]string{
		{"Журнал / Log", p.Ledger.Origin},
		{"Записей / Entries", strconv.FormatUint(p.Ledger.Size, 10)},
		{"Корень дерева Меркла / Merkle root (base64)", p.Ledger.Root},
		{"Сборка платформы / Platform build (SHA-256)", p.Election.Build},
	})
	r.size = sizeText

	r.heading("2. Сверка", "Reconciliation")
	c := p.Counts
	r.table([]float64{textWidth - 35, 35}, []string{"L", "R"}, [][]string{
		{"Участников дистанционного голосования / Participants in online voting", count(c.Participants)},
		{"Выдано бюллетеней / Ballots issued", count(c.BallotsIssued)},
		{"Проголосовали избиратели / Voters who voted", count(c.Voted)},
		{"Учтено бюллетеней (последний бюллетень каждого избирателя) / Ballots counted (each voter's last)", count(c.BallotsCounted)},
		{"Заменено повторным голосованием / Superseded by a re-vote", count(c.BallotsSuperseded)},
		{"Вскрыто избирателями для проверки, не учтено / Spoiled (opened by voters to check), not counted", count(c.BallotsSpoiled)},
		{"Отклонено платформой при приёме (заявлено платформой) / Rejected by the platform on receipt (declared by the platform)", count(c.BallotsRejected)},
	})

	r.heading("3. Итоги голосования", "Results")
	titles := map[string]Contest{}
	for _, ct := range p.Contests {
		titles[ct.ID] = ct
		r.subheading(bilingual(ct.TitleRU, ct.TitleEN))
		rows := [][]string{{"Вариант / Option", "Голосов / Votes"}}
		for _, o := range ct.Options {
			rows = append(rows, []string{bilingual(o.TitleRU, o.TitleEN), count(o.Votes)})
		}
		r.headedTable([]float64{textWidth - 35, 35}, []string{"L", "R"}, rows)
	}

	r.heading("4. Итоги по регионам и округам", "Results by region and district")
	regions := make([]District, len(p.Regions))
	for i, rg := range p.Regions {
		regions[i] = District{ID: rg.ID, Participants: rg.Participants, Contests: rg.Contests}
	}
	for _, ct := range p.Contests {
		r.subheading(bilingual(ct.TitleRU, ct.TitleEN))
		for _, part := range []struct {
			head string
			of   []District
		}{{"Регион / Region", regions}, {"Округ / District", p.Districts}} {
			rows := [][]string{{part.head, "Вариант / Option", "Голосов / Votes"}}
			for _, d := range part.of {
				for _, dc := range d.Contests {
					if dc.ID != ct.ID {
						continue
					}
					for i, o := range dc.Options {
						name := ""
						if i == 0 {
							name = d.ID
						}
						rows = append(rows, []string{name, optionTitle(ct, o.ID), count(o.Votes)})
					}
				}
			}
			if len(rows) > 1 {
				r.headedTable([]float64{45, textWidth - 80, 35}, []string{"L", "L", "R"}, rows)
			}
		}
	}

	r.heading("5. Расшифровка итогов", "Decryption of the tally")
	r.paragraph("Итоги расшифровали своими долями ключа хранители / The tally was decrypted with the key shares of the guardians:")
	rows := [][]string{{"№ / Index", "Хранитель / Guardian"}}
	for _, g := range p.Guardians {
		rows = append(rows, []string{strconv.Itoa(g.Index), g.Name})
	}
	r.headedTable([]float64{25, textWidth - 25}, nil, rows)

	r.heading("6. Подписи членов комиссии", "The commission members' signatures")
	r.paragraph("Каждый член комиссии подписал итоги своим ключом; ниже — SHA-256 его открытого ключа и его подписи, как они записаны в журнале / Each member signed the result with their key; below are the SHA-256 of their public key and of their signature, as on the ledger.")
	r.size = sizeSmall + 0.5
	for _, m := range p.Commission {
		r.table(labelled, nil, [][]string{
			{"Член комиссии / Member", m.Name + " (" + m.ID + ")"},
			{"Схема ключа / Key scheme", m.scheme()},
			{"SHA-256 ключа / Key SHA-256", m.Fingerprint},
			{"SHA-256 подписи / Signature SHA-256", m.signatureFingerprint()},
		})
		r.f.Ln(1.5)
	}
	r.size = sizeText

	r.heading("7. Жалобы избирателей", "Voters' disputes")
	if len(p.Disputes) == 0 {
		r.paragraph("Жалоб не поступало / No disputes were filed.")
	}
	r.size = sizeSmall + 0.5
	for _, d := range p.Disputes {
		r.table(labelled, nil, [][]string{
			{"Запись журнала / Ledger entry", strconv.FormatUint(d.Entry, 10)},
			{"Код бюллетеня / Tracking code", d.Tracking},
			{"Подана / Filed", d.Filed},
			{"Жалоба / Complaint", orDash(clean(d.Reason))},
			{"Решение / Decision", orDash(d.Outcome) + " — " + orDash(clean(d.Decision)) + " (" + orDash(d.Member) + ", " + orDash(d.Resolved) + ")"},
		})
		r.f.Ln(1.5)
	}
	r.size = sizeText

	r.heading("8. Время (UTC)", "Times (UTC)")
	r.table([]float64{90, textWidth - 90}, nil, [][]string{
		{"Голосование открыто / Voting opened", orDash(p.Times.Opened)},
		{"Ключ проверен кворумом хранителей / Key tested by a quorum", orDash(p.Times.KeyTested)},
		{"Голосование закрыто / Voting closed", orDash(p.Times.Closed)},
		{"Итоги опубликованы / Result published", orDash(p.Times.Decided)},
	})

	r.heading("9. Публикация и проверка", "Publication and how to check it")
	r.size = sizeSmall + 0.5
	r.table(labelled, nil, [][]string{
		{"Сертификат публикации / Publication certificate", publisher.Subject.CommonName},
		{"SHA-256 сертификата / Certificate SHA-256", CertificateFingerprint(publisher)},
	})
	r.size = sizeText
	r.paragraph("Этот протокол построен по публичному журналу выборов, и любой может построить его заново: " +
		"urna verify ЖУРНАЛ --protocol protocol.signed.xml проверяет журнал и сравнивает с ним опубликованный протокол байт в байт (проверка PR1). " +
		"Подпись этого файла проверяет pdfsig protocol.pdf, подпись XML — xmlsec1 --verify --trusted-pem publisher.crt protocol.signed.xml; " +
		"SHA-256 сертификата должен совпасть с указанным выше и объявленным комиссией.")
	r.paragraph("This protocol is built from the election's public ledger, and anyone can build it again: " +
		"urna verify LEDGER --protocol protocol.signed.xml checks the ledger and compares the published protocol with it byte for byte (check PR1). " +
		"pdfsig protocol.pdf checks this file's signature, xmlsec1 --verify --trusted-pem publisher.crt protocol.signed.xml the XML's; " +
		"the certificate's SHA-256 must match the one above and the one the commission announced.")
}

func (r *renderer) heading(ru, en string) {
	f := r.f
	f.Ln(4)
	f.SetFont("DejaVu", "B", sizeHeading)
	f.MultiCell(0, 6, clean(ru+" / "+en), "", "L", false)
	f.Ln(1)
}

func (r *renderer) subheading(text string) {
	f := r.f
	f.Ln(1.5)
	f.SetFont("DejaVu", "B", sizeText)
	f.MultiCell(0, lineHeight, clean(text), "", "L", false)
	f.Ln(0.5)
}

func (r *renderer) paragraph(text string) {
	r.f.SetFont("DejaVu", "", sizeText)
	r.f.MultiCell(0, lineHeight, clean(text), "", "L", false)
	r.f.Ln(1)
}

// headedTable is a table whose first row is its header (bold, shaded, and
// repeated at the top of each page the table runs on to).
func (r *renderer) headedTable(widths []float64, aligns []string, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	r.rows(widths, aligns, rows[0], rows[1:])
}

// table is a table without a header row.
func (r *renderer) table(widths []float64, aligns []string, rows [][]string) {
	r.rows(widths, aligns, nil, rows)
}

func (r *renderer) rows(widths []float64, aligns []string, header []string, rows [][]string) {
	f := r.f
	f.SetDrawColor(150, 150, 150)
	f.SetLineWidth(0.2)
	if header != nil {
		r.row(widths, nil, header, true, false)
	}
	for _, cells := range rows {
		if r.row(widths, aligns, cells, false, header != nil) {
			r.row(widths, nil, header, true, false)
			r.row(widths, aligns, cells, false, false)
		}
	}
}

// row draws one table row of wrapped cells. If the row does not fit on
// the page and repeatHeader is set, it starts a new page and draws nothing
// (returning true) so that the caller repeats the header first.
func (r *renderer) row(widths []float64, aligns []string, cells []string, header, repeatHeader bool) bool {
	f := r.f
	style := ""
	if header {
		style = "B"
	}
	f.SetFont("DejaVu", style, r.size)
	lh := lineHeight * r.size / sizeText
	lines := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		for _, part := range strings.Split(clean(c), "\n") {
			split := f.SplitText(part, widths[i])
			if len(split) == 0 {
				split = []string{""}
			}
			lines[i] = append(lines[i], split...)
		}
		n = max(n, len(lines[i]))
	}
	h := float64(n)*lh + 1.5
	_, pageH := f.GetPageSize()
	_, _, _, bottom := f.GetMargins()
	if f.GetY()+h > pageH-bottom {
		f.AddPage()
		f.SetFont("DejaVu", style, r.size)
		if repeatHeader {
			return true
		}
	}
	x0, y0 := f.GetXY()
	x := x0
	for i := range cells {
		if header {
			f.SetFillColor(230, 230, 230)
			f.Rect(x, y0, widths[i], h, "FD")
		} else {
			f.Rect(x, y0, widths[i], h, "D")
		}
		align := "L"
		if i < len(aligns) {
			align = aligns[i]
		}
		for j, line := range lines[i] {
			f.SetXY(x, y0+0.75+float64(j)*lh)
			f.CellFormat(widths[i], lh, line, "", 0, align, false, 0, "")
		}
		x += widths[i]
	}
	f.SetXY(x0, y0+h)
	return false
}

// scheme is the member's key's signature scheme as the manifest names it.
func (m Member) scheme() string {
	if m.Scheme == "" {
		return SchemeEd25519
	}
	return m.Scheme
}

// signatureFingerprint is the SHA-256 (hex) of the member's signature of
// the result, or a note that they did not sign.
func (m Member) signatureFingerprint() string {
	if m.Signature == "" {
		return "не подписал / did not sign"
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return "— / —"
	}
	h := sha256.Sum256(sig)
	return hex.EncodeToString(h[:])
}

func count(n uint64) string { return strconv.FormatUint(n, 10) }

func bilingual(ru, en string) string {
	switch {
	case en == "" || en == ru:
		return ru
	case ru == "":
		return en
	}
	return ru + " / " + en
}

func orID(title, id string) string {
	if title == "" {
		return id
	}
	return title
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func optionTitle(c Contest, id string) string {
	for _, o := range c.Options {
		if o.ID == id {
			return bilingual(o.TitleRU, o.TitleEN)
		}
	}
	return id
}

// clean makes text safe for the PDF library: characters beyond the Basic
// Multilingual Plane (which it cannot encode) become U+FFFD, tabs become
// spaces and other control characters but the line feed are dropped.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		case r > 0xFFFF:
			return unicode.ReplacementChar
		}
		return r
	}, s)
}
