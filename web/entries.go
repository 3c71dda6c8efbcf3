package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
)

// The public entries endpoint: POST /api/v1/elections/{id}/entries takes
// one ledger entry from anyone and appends it through the election's
// ballot box, the state machine being the only judge. It needs no login
// because it accepts only the entry types that authenticate themselves:
// a ceremony message is signed with its guardian's long-term key, a
// heartbeat and a decryption share carry proofs under the guardian's
// public share, a commission member's signature and resolution are
// signatures under the member's key from the manifest. Whoever posts one
// can only publish what its holder made; the ledger shows the rest.

// selfAuthenticating are the entry types the endpoint accepts.
var selfAuthenticating = map[string]bool{
	election.TypeCeremony:   true,
	election.TypeHeartbeat:  true,
	election.TypeShare:      true,
	election.TypeSignature:  true,
	election.TypeResolution: true,
}

// maxEntryBody bounds a posted entry: the largest entry, its byte strings
// in base64 (a third more), and room for the JSON around them.
const maxEntryBody = election.MaxEntrySize*4/3 + 4<<10

// An entryTypeError is decodeEntryBody's refusal of a well-formed entry of
// a type the endpoint does not accept.
type entryTypeError struct{ Type string }

func (e *entryTypeError) Error() string {
	return fmt.Sprintf("entries of type %q are not accepted here", e.Type)
}

// entryBody is a posted entry: an election.Entry without its time, which
// the platform stamps. The outer Time field shadows the entry's, so that a
// body carrying "time" is caught rather than silently ignored.
type entryBody struct {
	election.Entry
	Time *json.RawMessage `json:"time"`
}

// decodeEntryBody parses a posted entry strictly: one JSON object of at
// most maxEntryBody bytes, no unknown or duplicate payload fields, no time,
// a type the endpoint accepts (an *entryTypeError otherwise) carrying exactly its
// own payload. Any other failure wraps errMalformed. The entry returned has
// time 0.
func decodeEntryBody(data []byte) (*election.Entry, error) {
	if len(data) > maxEntryBody {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", errMalformed, len(data), maxEntryBody)
	}
	var body entryBody
	if err := decodeJSON(data, &body); err != nil {
		return nil, err
	}
	if body.Time != nil {
		return nil, fmt.Errorf("%w: an entry is posted without its time: the platform stamps it", errMalformed)
	}
	e := body.Entry
	if e.Operator != nil {
		return nil, fmt.Errorf("%w: an entry is posted without the operator's signature: the platform signs it", errMalformed)
	}
	if !selfAuthenticating[e.Type] {
		return nil, &entryTypeError{e.Type}
	}
	// The canonical encoding decoded strictly checks what the JSON decoder
	// cannot: exactly the payload the type names, and the entry's size.
	raw, err := e.Encode()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if _, err := election.DecodeEntry(raw); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	return &e, nil
}

// appended is the answer to a posted entry: where it is on the ledger,
// the time the platform stamped and its signature, and a checkpoint signed after it was
// appended, with the proof that it holds the entry.
type appended struct {
	Entry      uint64       `json:"entry"`
	Time       int64        `json:"time"`
	Operator   []byte       `json:"operator,omitempty"` // the platform's signature of the entry (check O1)
	Checkpoint string       `json:"checkpoint"`
	Proof      ledger.Proof `json:"proof"`
}

// checkFailed is the refusal of an entry by the state machine: the check
// it failed (docs/protocol.md §10) and why.
type checkFailed struct {
	Code    string `json:"code"`
	Check   string `json:"check"`
	Entry   uint64 `json:"entry"`
	Message struct {
		RU string `json:"ru"`
		EN string `json:"en"`
	} `json:"message"`
}

func (s *Server) postEntry(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r, maxEntryBody)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entry, err := decodeEntryBody(data)
	var te *entryTypeError
	if errors.As(err, &te) {
		writeError(w, http.StatusForbidden, apiError{Code: "entry_type_not_accepted",
			Message: text("Здесь принимаются только записи, подписанные их авторами: сообщения церемонии ключа, сигналы хранителей, доли расшифровки, подписи и решения комиссии.",
				fmt.Sprintf("Only entries that carry their author's signature or proof are accepted here (ceremony, heartbeat, share, signature, resolution), not %q.", te.Type))})
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
	index, err := e.Box.Append(r.Context(), entry)
	if err != nil {
		s.entryError(w, r, err)
		return
	}
	cp, signed := e.Box.Ledger().Checkpoint()
	proof, err := e.Box.Ledger().InclusionProof(index, cp.Size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, appended{Entry: index, Time: entry.Time, Operator: entry.Operator, Checkpoint: string(signed), Proof: proof})
}

// entryError writes the refusal of a posted entry.
func (s *Server) entryError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ce *election.CheckError
		be *ballotbox.BusyError
	)
	switch {
	case errors.As(err, &ce):
		body := checkFailed{Code: "check_failed", Check: ce.ID, Entry: ce.Index}
		body.Message.RU = "Запись не принята: проверка " + ce.ID + " не пройдена."
		body.Message.EN = fmt.Sprintf("The entry was refused: check %s failed: %v", ce.ID, ce.Err)
		writeJSON(w, http.StatusUnprocessableEntity, body)
	case errors.As(err, &be):
		busy(w, be.Position, be.Wait)
	case errors.Is(err, ballotbox.ErrInvalid):
		writeError(w, http.StatusBadRequest, apiError{Code: "invalid", Message: text("Запись не разобрана.", "The entry is malformed: "+err.Error())})
	default:
		s.log.Error("web: appending a posted entry", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, apiError{Code: "unavailable",
			Message: text("Реестр временно недоступен. Попробуйте ещё раз.", "The ledger is temporarily unavailable. Please try again.")})
	}
}
