package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/registry"
)

// Voters' disputes (docs/protocol.md §10.2): POST
// /api/v1/elections/{id}/disputes takes a receipt whose ballot the voter
// cannot find on the ledger, and the voter's words. The receipt is the
// platform's own signature speaking against it: its checkpoint is signed
// with the election's log key, so if the ledger no longer holds the tree
// that checkpoint commits to, the ledger was rolled back or rewritten and
// the dispute goes on the ledger, where it blocks the commission's
// signatures until a member resolves it. A receipt whose ballot the ledger
// shows gets 409 ballot_present with the entry; one that is not the
// platform's gets 400 receipt_invalid; neither writes anything. The same
// checks serve the form on the tracking page (/track/dispute).

// maxDisputeBody bounds a dispute request: the receipt, in a JSON string
// or object, and the reason, escaped.
const maxDisputeBody = 2*election.MaxReceiptLen + 6*election.MaxReasonLen + 4<<10

// disputeRequest is the body of POST /api/v1/elections/{id}/disputes.
type disputeRequest struct {
	// Receipt is the receipt as the voter got it from the casting
	// endpoint (a JSON object).
	Receipt json.RawMessage `json:"receipt"`
	Reason  string          `json:"reason"`
}

// decodeDisputeRequest parses a dispute request strictly: one JSON object
// of at most maxDisputeBody bytes with exactly the fields receipt and
// reason, no unknown or repeated field. The receipt is checked by
// parseReceipt. Errors wrap errMalformed.
func decodeDisputeRequest(data []byte) (*ballotbox.Receipt, []byte, string, error) {
	if len(data) > maxDisputeBody {
		return nil, nil, "", fmt.Errorf("%w: %d bytes exceeds %d", errMalformed, len(data), maxDisputeBody)
	}
	if err := noRepeatedKeys(data); err != nil {
		return nil, nil, "", fmt.Errorf("%w: %v", errMalformed, err)
	}
	var req disputeRequest
	if err := decodeJSON(data, &req); err != nil {
		return nil, nil, "", err
	}
	if len(req.Receipt) == 0 || bytes.Equal(req.Receipt, []byte("null")) {
		return nil, nil, "", fmt.Errorf("%w: the receipt is missing", errMalformed)
	}
	if err := checkReason(req.Reason); err != nil {
		return nil, nil, "", fmt.Errorf("%w: %v", errMalformed, err)
	}
	rc, canonical, err := parseReceipt(req.Receipt)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%w: %v", errMalformed, err)
	}
	return rc, canonical, req.Reason, nil
}

// checkReason checks a voter's words: valid UTF-8 of at most
// election.MaxReasonLen bytes (it may be empty).
func checkReason(s string) error {
	if len(s) > election.MaxReasonLen || !utf8.ValidString(s) {
		return fmt.Errorf("the reason must be valid UTF-8 of at most %d bytes", election.MaxReasonLen)
	}
	return nil
}

// errReceiptForm is wrapped by parseReceipt's errors.
var errReceiptForm = errors.New("the receipt is not one the platform issues")

// parseReceipt reads a receipt as the platform issues it (ballotbox.Receipt
// from the casting endpoint): a JSON object with exactly its fields, in
// their order, in canonical form. Whitespace around and between tokens is
// forgiven, since people copy receipts through editors and forms; anything
// else is refused, so that what goes on the ledger says one thing only. It
// returns the receipt and its canonical bytes — byte for byte what the
// platform sent, without the final newline — which the dispute entry
// keeps.
func parseReceipt(raw []byte) (*ballotbox.Receipt, []byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || len(raw) > election.MaxReceiptLen {
		return nil, nil, fmt.Errorf("%w: a receipt is 1 to %d bytes", errReceiptForm, election.MaxReceiptLen)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errReceiptForm, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var rc ballotbox.Receipt
	if err := dec.Decode(&rc); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errReceiptForm, err)
	}
	canonical, err := json.Marshal(&rc)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errReceiptForm, err)
	}
	if !bytes.Equal(canonical, compact.Bytes()) {
		return nil, nil, fmt.Errorf("%w: its fields are not exactly tracking_code, entry, time, operator (if any), checkpoint and proof, in canonical form", errReceiptForm)
	}
	if rc.TrackingCode == "" || rc.Checkpoint == "" {
		return nil, nil, fmt.Errorf("%w: no tracking code or checkpoint", errReceiptForm)
	}
	return &rc, canonical, nil
}

// noRepeatedKeys refuses a JSON document in which an object names a key
// twice (encoding/json would silently keep the last).
func noRepeatedKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		key    bool // the next string token is a key
		keys   map[string]bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{object: true, key: true, keys: map[string]bool{}})
				continue
			case '[':
				stack = append(stack, &frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.key {
				if top.keys[t] {
					return fmt.Errorf("key %q appears twice", t)
				}
				top.keys[t] = true
				top.key = false
				continue
			}
		}
		// A value ended: the next token of an enclosing object is a key.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

// A disputeRefusal is why a dispute was not filed: an HTTP status, a
// stable code, the ledger entry concerned if any, and a message.
type disputeRefusal struct {
	Status  int
	Code    string
	Index   *uint64
	Message registry.Text
}

func (e *disputeRefusal) Error() string { return e.Code + ": " + e.Message.EN }

func refusal(status int, code, ru, en string) *disputeRefusal {
	return &disputeRefusal{Status: status, Code: code, Message: text(ru, en)}
}

// receiptInvalid is the refusal of a receipt that is not the platform's.
func receiptInvalid(en string) *disputeRefusal {
	return refusal(http.StatusBadRequest, "receipt_invalid",
		"Эта квитанция не выдана платформой для этих выборов, или в ней что-то изменено: жалоба не подана.",
		"The receipt was not issued by the platform for this election, or was altered: "+en)
}

// fileDispute checks a receipt against the election's log key and ledger
// and, if it is genuine and the ledger does not show its ballot, appends a
// dispute entry and returns its index. Refusals are *disputeRefusal;
// other errors are the ballot box's.
func (s *Server) fileDispute(ctx context.Context, e *issuance.Election, rc *ballotbox.Receipt, receipt []byte, reason string) (uint64, error) {
	code, err := ballot.NormalizeTrackingCode(rc.TrackingCode)
	if err != nil {
		return 0, receiptInvalid(err.Error())
	}
	v, err := ledger.NewVerifier(e.VerifierKey)
	if err != nil {
		return 0, err
	}
	cp, err := ledger.OpenCheckpoint([]byte(rc.Checkpoint), v)
	if err != nil {
		return 0, receiptInvalid("its checkpoint is not signed by this election's log key (" + err.Error() + ")")
	}
	if rc.Entry >= cp.Size {
		return 0, receiptInvalid(fmt.Sprintf("it names entry %d, beyond the %d entries of its own checkpoint", rc.Entry, cp.Size))
	}
	if err := s.checkMissing(e, rc, cp, code); err != nil {
		return 0, err
	}
	index, err := e.Box.Append(ctx, &election.Entry{Type: election.TypeDispute,
		Dispute: &election.DisputeEntry{Tracking: code, Receipt: receipt, Reason: reason}})
	var ce *election.CheckError
	if errors.As(err, &ce) {
		return 0, disputesClosed()
	}
	if err == nil {
		s.log.Info("web: dispute filed", "election", e.ID, "entry", index)
	}
	return index, err
}

func disputesClosed() *disputeRefusal {
	return refusal(http.StatusConflict, "disputes_closed",
		"Жалобы принимаются с начала голосования до подписания протокола всей комиссией.",
		"Disputes are accepted from the opening of voting until the whole commission has signed the result.")
}

// checkMissing decides, under one view of the state and ledger, whether
// the receipt's ballot is missing: nil if it is and no dispute about it is
// on the ledger yet, a *disputeRefusal otherwise.
func (s *Server) checkMissing(e *issuance.Election, rc *ballotbox.Receipt, cp ledger.Checkpoint, code string) error {
	lg := e.Box.Ledger()
	var refused error
	e.Box.View(func(st *election.State) {
		if st.Phase < election.PhaseOpen || st.Phase == election.PhaseDecided && len(st.Signatures) == len(st.Manifest.Commission) {
			refused = disputesClosed()
			return
		}
		for _, d := range st.Disputes {
			if d.Entry.Tracking == code {
				i := d.Index
				refused = &disputeRefusal{Status: http.StatusConflict, Code: "dispute_exists", Index: &i,
					Message: text(fmt.Sprintf("Жалоба по этой квитанции уже подана: запись № %d в реестре.", i),
						fmt.Sprintf("A dispute about this receipt is already on the ledger, at entry %d.", i))}
				return
			}
		}
		t, found := st.Track(code)
		if found && t.Index == rc.Entry {
			refused = ballotPresent(t)
			return
		}
		// The ledger still holds the very tree the receipt's checkpoint
		// signed: its entry rc.Entry is the one the receipt was issued
		// for, and it is not this ballot, so the receipt was altered.
		if cp.Size <= lg.Size() {
			if root, err := lg.Root(cp.Size); err == nil && root == cp.Root {
				where := ""
				if found {
					where = fmt.Sprintf("; ballot %s is at entry %d", code, t.Index)
				}
				refused = receiptInvalid(fmt.Sprintf("the ledger still holds the %d entries its checkpoint signed, and entry %d is not ballot %s%s",
					cp.Size, rc.Entry, code, where))
			} else if err != nil {
				refused = err
			}
		}
	})
	return refused
}

// ballotPresent is the answer to a receipt whose ballot is on the ledger:
// where, and what became of it.
func ballotPresent(t election.Tracked) *disputeRefusal {
	i := t.Index
	ru := fmt.Sprintf("Бюллетень по этой квитанции есть в реестре: запись № %d", i)
	en := fmt.Sprintf("The ballot of this receipt is on the ledger at entry %d", i)
	switch {
	case t.Spoiled:
		ru, en = ru+"; он раскрыт для проверки и не учитывается.", en+"; it was opened for checking and is not counted."
	case t.Counted:
		ru, en = ru+"; он будет учтён при подсчёте.", en+"; it is counted."
	default:
		ru += fmt.Sprintf("; его заменил более поздний бюллетень того же избирателя (запись № %d).", t.Superseded)
		en += fmt.Sprintf("; a later ballot of the same voter replaced it (entry %d).", t.Superseded)
	}
	return &disputeRefusal{Status: http.StatusConflict, Code: "ballot_present", Index: &i, Message: text(ru, en)}
}

// disputeError is the body of a refused dispute: the API's error with the
// ledger entry concerned.
type disputeError struct {
	apiError
	Index *uint64 `json:"index,omitempty"`
}

// postDispute is POST /api/v1/elections/{id}/disputes.
func (s *Server) postDispute(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r, maxDisputeBody)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rc, receipt, reason, err := decodeDisputeRequest(data)
	if errors.Is(err, errReceiptForm) {
		writeError(w, http.StatusBadRequest, receiptInvalid(err.Error()).apiError())
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	index, err := s.fileDispute(r.Context(), e, rc, receipt, reason)
	var dr *disputeRefusal
	switch {
	case errors.As(err, &dr):
		writeJSON(w, dr.Status, disputeError{apiError: dr.apiError(), Index: dr.Index})
	case err != nil:
		s.entryError(w, r, err)
	default:
		code, _ := ballot.NormalizeTrackingCode(rc.TrackingCode) // fileDispute checked it
		writeJSON(w, http.StatusCreated, map[string]any{"index": index, "tracking_code": code})
	}
}

func (e *disputeRefusal) apiError() apiError { return apiError{Code: e.Code, Message: e.Message} }

// disputeForm is the dispute section of the tracking page: what the voter
// entered, and what became of it.
type disputeForm struct {
	Election string
	Receipt  string
	Reason   string
	Filed    bool   // the dispute is on the ledger, at Index
	Present  bool   // the ledger shows the receipt's ballot, at Index
	Index    uint64 // the dispute's entry, or the ballot's when Present
	Message  string // what the ledger shows, when Present
	Error    string // why it was not filed, in the reader's language
}

// disputePage is POST /track/dispute, the form on the tracking page: the
// same checks as the API, the outcome shown on the page.
func (s *Server) disputePage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Проверка бюллетеня в реестре", "Check a ballot on the ledger")
	r.Body = http.MaxBytesReader(w, r.Body, maxDisputeBody)
	f := &disputeForm{Election: r.PostFormValue("election"), Receipt: r.PostFormValue("receipt"), Reason: r.PostFormValue("reason")}
	tr := &trackResult{Election: f.Election, Dispute: f}
	for _, e := range s.p.Elections() {
		row := electionRow{ID: e.ID}
		e.Box.View(func(st *election.State) {
			if st.Manifest != nil {
				row.Title = st.Manifest.Title
			}
		})
		tr.Elections = append(tr.Elections, row)
	}
	p.Data = tr
	show := func(status int, err error) {
		var dr *disputeRefusal
		switch {
		case errors.As(err, &dr):
			f.Error = p.L(dr.Message.RU, dr.Message.EN)
			if dr.Code == "ballot_present" {
				f.Present, f.Index, f.Message, f.Error = true, *dr.Index, f.Error, ""
			}
			status = dr.Status
		default:
			var ae apiError
			status, ae = s.describe(r, err)
			f.Error = p.L(ae.Message.RU, ae.Message.EN)
		}
		s.render(w, r, status, "track.html", p)
	}
	if err := checkReason(f.Reason); err != nil {
		show(http.StatusBadRequest, refusal(http.StatusBadRequest, "malformed_json",
			fmt.Sprintf("Текст жалобы — не длиннее %d байт.", election.MaxReasonLen), err.Error()))
		return
	}
	rc, receipt, err := parseReceipt([]byte(f.Receipt))
	if err != nil {
		show(http.StatusBadRequest, refusal(http.StatusBadRequest, "receipt_invalid",
			"Это не квитанция платформы: вставьте файл квитанции (urna-receipt.json) целиком, без изменений.",
			"This is not a receipt of the platform: paste the whole receipt file (urna-receipt.json), unchanged. ("+err.Error()+")"))
		return
	}
	e, ok := s.p.Election(f.Election)
	if !ok {
		show(http.StatusNotFound, refusal(http.StatusNotFound, "unknown_election", "Выберите выборы.", "Choose an election."))
		return
	}
	index, err := s.fileDispute(r.Context(), e, rc, receipt, strings.TrimSpace(f.Reason))
	if err != nil {
		show(http.StatusInternalServerError, err)
		return
	}
	f.Filed, f.Index = true, index
	s.render(w, r, http.StatusCreated, "track.html", p)
}

// disputePageGet sends a reader who reloads or switches the language of
// the form's answer back to the tracking page.
func (s *Server) disputePageGet(w http.ResponseWriter, r *http.Request) {
	to := "/track"
	if l := r.URL.Query().Get("lang"); l == "ru" || l == "en" {
		to += "?lang=" + l
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
