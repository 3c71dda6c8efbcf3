package web

import (
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urna-vote/urna/archive"
	"github.com/urna-vote/urna/election"
)

// The archive of closed elections (package archive), open to anyone:
// GET /archive lists the archived elections and how long each is kept;
// GET /archive/{id}.tar.gz is one election's archive — its whole ledger,
// manifest and protocol, which `urna verify` checks untarred; GET
// /archive/{id}/protocol.xml, protocol.signed.xml and protocol.pdf are a
// copy of its protocol. The operator archives an election by hand with
// POST /api/v1/operator/elections/{id}/archive.

// archiveRow is one archived election on the page.
type archiveRow struct {
	archive.Record
	Expires  time.Time
	Protocol bool // the archive holds a protocol
	PDF      bool
}

func (s *Server) archivePage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Архив выборов", "Election archive")
	a, err := s.p.Archive()
	var recs []archive.Record
	if err == nil {
		recs, err = a.List()
	}
	if err != nil {
		s.formError(w, r, "archive.html", p, err)
		return
	}
	rows := []archiveRow{}
	for _, rec := range recs {
		row := archiveRow{Record: rec, Expires: a.Expires(rec)}
		for _, f := range rec.Files {
			row.Protocol = row.Protocol || f == archive.FileProtocol
			row.PDF = row.PDF || f == archive.FileProtocolPDF
		}
		rows = append(rows, row)
	}
	p.Data = struct {
		Rows []archiveRow
		Keep election.Text
	}{rows, keepText(a.Keep())}
	s.render(w, r, http.StatusOK, "archive.html", p)
}

// keepText says how long archives are kept: in years if whole years,
// else in days.
func keepText(d time.Duration) election.Text {
	const day, year = 24 * time.Hour, 365 * 24 * time.Hour
	if d >= year && d%year == 0 {
		n := strconv.FormatInt(int64(d/year), 10)
		return election.Text{RU: n + " г.", EN: n + " years."}
	}
	n := strconv.FormatInt(int64((d+day-1)/day), 10)
	return election.Text{RU: n + " дн.", EN: n + " days."}
}

// archiveNotFound is the answer for an election the archive does not hold.
func archiveNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, apiError{Code: "not_archived",
		Message: text("Таких выборов в архиве нет: они не архивированы или срок их хранения истёк.",
			"The archive holds no such election: it was not archived, or its keeping period has ended.")})
}

// archiveFile is GET /archive/{file}: {id}.tar.gz.
func (s *Server) archiveFile(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".tar.gz")
	a, err := s.p.Archive()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rec archive.Record
	if ok {
		rec, err = a.Get(id)
	}
	if !ok || errors.Is(err, archive.ErrNotFound) {
		archiveNotFound(w)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := os.Open(a.Path(id))
	if errors.Is(err, os.ErrNotExist) {
		archiveNotFound(w) // purged since the record was read
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.tar.gz"`)
	w.Header().Set("ETag", `"`+rec.SHA256+`"`)
	http.ServeContent(w, r, id+".tar.gz", rec.Archived, f)
}

// archiveProtocols are the files of an archive served one by one, with
// their types.
var archiveProtocols = map[string]string{
	archive.FileProtocol:    "application/xml; charset=utf-8",
	archive.FileSignedXML:   "application/xml; charset=utf-8",
	archive.FileProtocolPDF: "application/pdf",
}

// archiveProtocol is GET /archive/{id}/{file}: a copy of the protocol.
func (s *Server) archiveProtocol(w http.ResponseWriter, r *http.Request) {
	id, name := r.PathValue("id"), r.PathValue("file")
	typ, ok := archiveProtocols[name]
	if !ok {
		archiveNotFound(w)
		return
	}
	a, err := s.p.Archive()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := a.Read(id, name)
	if errors.Is(err, archive.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		archiveNotFound(w)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", `attachment; filename="protocol-`+id+strings.TrimPrefix(name, "protocol")+`"`)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

// archiveElection is the operator's POST
// /api/v1/operator/elections/{id}/archive: archive the election now.
func (s *Server) archiveElection(w http.ResponseWriter, r *http.Request) {
	rec, err := s.p.ArchiveElection(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, archive.ErrExists):
		writeError(w, http.StatusConflict, apiError{Code: "archived",
			Message: text("Эти выборы уже в архиве.", "This election is already archived.")})
	case errors.Is(err, archive.ErrNotFound):
		writeError(w, http.StatusNotFound, apiError{Code: "unknown_election",
			Message: text("Таких выборов нет.", "There is no such election.")})
	case err != nil:
		s.fail(w, r, err)
	default:
		writeJSON(w, http.StatusCreated, rec)
	}
}
