package web

import (
	"errors"
	"net/http"
	"sync"

	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/protocol"
)

// The result protocol's signed exports (package protocol, docs/protocol-xml.md):
// the XML with an enveloped XML-DSig signature and the PDF with a PDF
// signature, both by the platform's publication key, whose certificate is
// served too. protocol.xml (observers.go) stays the unsigned document the
// ledger gives byte for byte.

// signedProtocol is an election's signed exports for one checkpoint. Its
// mutex is held while they are made, so that concurrent requests sign
// once.
type signedProtocol struct {
	mu   sync.Mutex
	head ledger.Checkpoint
	xml  []byte
	pdf  []byte
}

func (s *Server) protocolSignedXML(w http.ResponseWriter, r *http.Request) {
	id, sp, ok := s.signedProtocol(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="protocol-`+id+`.signed.xml"`)
	w.Write(sp.xml)
}

func (s *Server) protocolPDF(w http.ResponseWriter, r *http.Request) {
	id, sp, ok := s.signedProtocol(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="protocol-`+id+`.pdf"`)
	w.Write(sp.pdf)
}

// publisherCertificate serves the publication certificate (PEM), which
// checks the signed XML (xmlsec1 --pubkey-cert-pem) and whose SHA-256 the
// PDF prints.
func (s *Server) publisherCertificate(w http.ResponseWriter, r *http.Request) {
	pub, err := s.p.Publisher()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="publisher.crt"`)
	w.Write(pub.CertificatePEM())
}

// signedProtocol returns the election's signed exports for its current
// checkpoint, making them if the ledger has grown since the last ones.
// It answers 404 for an unknown election and 409 for one without a
// result.
func (s *Server) signedProtocol(w http.ResponseWriter, r *http.Request) (string, *signedProtocol, bool) {
	e, ok := s.election(w, r)
	if !ok {
		return "", nil, false
	}
	v, _ := s.signedProtocols.LoadOrStore(e.Box, &signedProtocol{})
	sp := v.(*signedProtocol)
	sp.mu.Lock()
	defer sp.mu.Unlock()
	xml, pdf, head, err := s.signProtocol(e.Box, sp)
	if errors.Is(err, protocol.ErrNotDecided) {
		writeError(w, http.StatusConflict, apiError{Code: "not_decided",
			Message: text("Итоги этих выборов ещё не подведены.", "This election has no result yet.")})
		return "", nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return "", nil, false
	}
	sp.head, sp.xml, sp.pdf = head, xml, pdf
	return e.ID, sp, true
}

// signProtocol builds the protocol from the state and the checkpoint
// (read together, so that they match) and signs its XML and PDF, unless
// sp already holds them for that checkpoint.
func (s *Server) signProtocol(box *ballotbox.Box, sp *signedProtocol) (xml, pdf []byte, head ledger.Checkpoint, err error) {
	var p *protocol.Protocol
	box.View(func(st *election.State) {
		head, _ = box.Ledger().Checkpoint()
		if sp.xml != nil && head == sp.head {
			return
		}
		p, err = protocol.Build(st, head)
	})
	if err != nil || p == nil {
		return sp.xml, sp.pdf, head, err
	}
	pub, err := s.p.Publisher()
	if err != nil {
		return nil, nil, head, err
	}
	doc, err := p.XML()
	if err != nil {
		return nil, nil, head, err
	}
	if xml, err = protocol.SignXML(doc, pub); err != nil {
		return nil, nil, head, err
	}
	if doc, err = p.PDF(pub.Certificate()); err != nil {
		return nil, nil, head, err
	}
	if pdf, err = protocol.SignPDF(doc, pub, s.p.Config.Now()); err != nil {
		return nil, nil, head, err
	}
	return xml, pdf, head, nil
}
