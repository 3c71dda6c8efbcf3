package witness

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/urna-vote/urna/ledger"
)

// The tlog-witness add-checkpoint request: the platform sends its new
// checkpoint with the size of the last one the witness cosigned and a
// consistency proof between the two:
//
//	old <size>
//	<proof hash, base64>   (one a line)
//
//	<the signed checkpoint>
//
// The witness answers 200 with its cosignature line, 409 Conflict with its
// own latest size (text/x.tlog.size) when old is not it, 422 when the proof
// does not verify, and 403 when it refuses (it has seen this log misbehave,
// or cannot confirm the checkpoint).

// MaxRequest bounds an add-checkpoint request.
const MaxRequest = ledger.MaxCheckpointSize + 64*64

// AddCheckpoint encodes a request.
func AddCheckpoint(old uint64, proof ledger.Proof, signed []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteByte('\n')
	b.Write(signed)
	return b.Bytes()
}

// ParseAddCheckpoint decodes a request.
func ParseAddCheckpoint(body []byte) (old uint64, proof ledger.Proof, signed []byte, err error) {
	head, signed, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return 0, nil, nil, errors.New("witness: request without a checkpoint")
	}
	first, rest, _ := bytes.Cut(head, []byte("\n"))
	n, ok := strings.CutPrefix(string(first), "old ")
	if !ok {
		return 0, nil, nil, errors.New("witness: request must start with 'old <size>'")
	}
	if old, err = strconv.ParseUint(n, 10, 64); err != nil || strconv.FormatUint(old, 10) != n {
		return 0, nil, nil, errors.New("witness: malformed old size")
	}
	if len(rest) > 0 {
		for _, line := range bytes.Split(rest, []byte("\n")) {
			raw, err := base64.StdEncoding.Strict().DecodeString(string(line))
			if err != nil || len(raw) != ledger.HashSize || len(proof) == ledger.MaxProofHashes {
				return 0, nil, nil, errors.New("witness: malformed consistency proof")
			}
			proof = append(proof, ledger.Hash(raw))
		}
	}
	return old, proof, signed, nil
}

// A ConflictError is a witness's 409: it last cosigned Size, not the old
// size the request assumed.
type ConflictError struct{ Size uint64 }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("witness: it last cosigned a tree of %d entries", e.Size)
}

// Send posts an add-checkpoint request to a witness's URL and returns its
// cosignature line.
func Send(ctx context.Context, hc *http.Client, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return out, nil
	case http.StatusConflict:
		n, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("witness: 409 without a size: %q", out)
		}
		return nil, &ConflictError{Size: n}
	}
	return nil, fmt.Errorf("witness: %s: %s", resp.Status, bytes.TrimSpace(out))
}

func asConflict(err error, target **ConflictError) bool { return errors.As(err, target) }
