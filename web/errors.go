package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/registry"
)

// apiError is the body of every error response: a stable code for
// programs, a message for people in Russian and English, the field at
// fault if any, and for a full queue the position and expected wait.
type apiError struct {
	Code        string        `json:"code"`
	Message     registry.Text `json:"message"`
	Field       string        `json:"field,omitempty"`
	Position    int           `json:"position,omitempty"`
	WaitSeconds int           `json:"wait_seconds,omitempty"`
}

func text(ru, en string) registry.Text { return registry.Text{RU: ru, EN: en} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"code":"internal"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, e apiError) {
	if e.WaitSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.WaitSeconds))
	}
	writeJSON(w, status, e)
}

// busy is the answer of a saturated server: where the request would stand
// in the queue and how long that is, honestly estimated from the recent
// rate.
func busy(w http.ResponseWriter, position int, wait time.Duration) {
	status, e := busyError(position, wait)
	writeError(w, status, e)
}

func busyError(position int, wait time.Duration) (int, apiError) {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return http.StatusServiceUnavailable, apiError{Code: "busy", Position: position, WaitSeconds: secs,
		Message: text(fmt.Sprintf("Сейчас голосуют очень многие. Вы в очереди: перед вами около %d человек, ожидание около %d с. Страница повторит попытку сама.", position, secs),
			fmt.Sprintf("Many people are voting right now. You are in the queue: about %d ahead of you, about %d s to wait. The page will retry by itself.", position, secs))}
}

// fail writes the response for an error of a service.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, e := s.describe(r, err)
	writeError(w, status, e)
}

// describe turns an error of a service into its HTTP status and the error
// shown to people: the API writes it as JSON, the pages in the reader's
// language.
func (s *Server) describe(r *http.Request, err error) (int, apiError) {
	var (
		re  *registry.Error
		ie  *issuance.Error
		be  *ballotbox.BusyError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &be):
		return busyError(be.Position, be.Wait)
	case errors.As(err, &re):
		return registryStatus(re.Code), apiError{Code: re.Code, Field: re.Field, Message: re.Message}
	case errors.As(err, &ie):
		status := http.StatusConflict
		if ie.Code == "malformed_request" {
			status = http.StatusBadRequest
		}
		return status, apiError{Code: ie.Code, Message: ie.Message}
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, apiError{Code: "too_large",
			Message: text("Запрос слишком велик.", fmt.Sprintf("The request body exceeds %d bytes.", mbe.Limit))}
	case errors.Is(err, errMalformed):
		return http.StatusBadRequest, apiError{Code: "malformed_json",
			Message: text("Запрос не разобран: "+err.Error(), "The request is not valid JSON of the expected shape: "+err.Error())}
	default:
		s.log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		return http.StatusInternalServerError, apiError{Code: "internal",
			Message: text("Внутренняя ошибка. Попробуйте ещё раз позже.", "Internal error. Please try again later.")}
	}
}

// registryStatus maps a registry error code to an HTTP status.
func registryStatus(code string) int {
	switch code {
	case "login_failed", "code_invalid", "code_expired", "code_used", "unauthenticated":
		return http.StatusUnauthorized
	case "login_locked":
		return http.StatusTooManyRequests
	case "sms_unavailable":
		return http.StatusServiceUnavailable
	case "not_found", "unknown_election":
		return http.StatusNotFound
	case "account_not_verified", "not_eligible", "not_in_register", "register_mismatch", "applications_closed", "no_application",
		"applications_not_open", "access_denied": // a vote's own rules (package organiser)
		return http.StatusForbidden
	case "credential_already_issued", "exists", "phone_taken", "email_taken":
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// castError writes the refusal of a ballot.
func castError(w http.ResponseWriter, err error, phase election.Phase) {
	code := ballotbox.Code(err, phase)
	var ce *election.CheckError
	detail := ""
	if errors.As(err, &ce) {
		detail = ce.ID + ": " + ce.Err.Error()
	}
	msg, status := castMessages[code], http.StatusUnprocessableEntity
	switch code {
	case "voting_not_open", "voting_closed":
		status = http.StatusConflict
	case "invalid":
		status = http.StatusBadRequest
	case "unavailable":
		status = http.StatusServiceUnavailable
	}
	if msg.RU == "" {
		msg = text("Бюллетень не принят.", "The ballot was not accepted.")
	}
	if detail != "" {
		msg.EN += " (" + detail + ")"
	}
	writeError(w, status, apiError{Code: code, Message: msg})
}

var castMessages = map[string]registry.Text{
	"voting_not_open":    text("Голосование ещё не началось.", "Voting has not opened yet."),
	"voting_closed":      text("Голосование завершено: бюллетень не принят.", "Voting has closed: the ballot was not accepted."),
	"malformed_ballot":   text("Бюллетень повреждён и не может быть принят.", "The ballot is malformed."),
	"invalid_credential": text("Бюллетень подписан недействительным ключом избирателя.", "The ballot's credential is not valid for this election."),
	"wrong_district":     text("Бюллетень не соответствует вашему округу.", "The ballot does not match the district of its credential."),
	"invalid_proof":      text("Доказательства в бюллетене не сходятся: он не принят.", "The ballot's proofs or signature do not verify."),
	"stale_sequence":     text("Этот бюллетень старее уже принятого: засчитывается последний.", "A later ballot of this credential is already on the ledger."),
	"duplicate_ballot":   text("Этот бюллетень уже принят.", "This ballot is already on the ledger."),
	"spoiled_ballot":     text("Этот бюллетень был раскрыт для проверки и не может быть подан.", "This ballot was opened for checking and can never be cast."),
	"turnout_exceeded":   text("В округе проголосовало бы больше избирателей, чем получили бюллетени.", "More credentials would vote in the district than were issued."),
	"invalid_spoil":      text("Раскрытие бюллетеня не сходится с ним.", "The opening does not match the ballot."),
	"invalid":            text("Запрос не разобран.", "The request is malformed."),
	"unavailable":        text("Урна временно недоступна. Попробуйте ещё раз.", "The ballot box is temporarily unavailable. Please try again."),
}

var errMalformed = errors.New("malformed request")

// readBody reads a request body of at most limit bytes: a longer one is
// an *http.MaxBytesError, a broken one errMalformed.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			err = fmt.Errorf("%w: %v", errMalformed, err)
		}
		return nil, err
	}
	return data, nil
}

// decodeJSON decodes data, exactly one JSON value, into v, refusing
// unknown fields; what it refuses is errMalformed.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", errMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: more than one JSON value", errMalformed)
	}
	return nil
}

// decode reads a JSON body strictly: one object of the expected shape, no
// unknown fields, at most limit bytes.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	data, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	return decodeJSON(data, v)
}
