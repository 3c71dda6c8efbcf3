package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/ledger"
)

// FuzzDisputeRequest feeds arbitrary bodies to the dispute decoder: it
// never panics, refuses with errMalformed, and what it accepts is a
// receipt whose canonical bytes parse again to themselves, within the
// ledger's limits.
func FuzzDisputeRequest(f *testing.F) {
	rc := ballotbox.Receipt{TrackingCode: "ABCD-EFGH-JKMN-PQRS", Entry: 12, Time: 1700000000000,
		Checkpoint: "urna.local/elections/x\n13\nq83vEjRRvXsEU4U2XDL/EnnzcHrDBmeTqWVMoQxc7tE=\n\n— urna.local/elections/x AAAA\n",
		Proof:      ledger.Proof{ledger.Hash{1}, ledger.Hash{2}}}
	receipt, _ := json.Marshal(rc)
	for _, s := range []string{
		`{"receipt":` + string(receipt) + `,"reason":"нет бюллетеня"}`,
		`{"receipt":` + string(receipt) + `}`,
		`{"receipt":  ` + string(bytes.ReplaceAll(receipt, []byte(","), []byte(",\n "))) + `, "reason":""}`,
		`{"receipt":{"tracking_code":"A","entry":0,"time":0,"checkpoint":"x","proof":""},"reason":"a","reason":"b"}`,
		`{"receipt":null}`, `{"receipt":"` + string(receipt) + `"}`, `{`, `[]`, ``, `{"receipt":{}} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rc, canonical, reason, err := decodeDisputeRequest(body)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("error %v does not wrap errMalformed", err)
			}
			return
		}
		if len(canonical) == 0 || len(canonical) > 16<<10 || len(reason) > 4000 {
			t.Fatalf("accepted a receipt of %d bytes and a reason of %d", len(canonical), len(reason))
		}
		again, canonical2, err := parseReceipt(canonical)
		if err != nil {
			t.Fatalf("the canonical receipt %s does not parse: %v", canonical, err)
		}
		if !bytes.Equal(canonical, canonical2) || again.TrackingCode != rc.TrackingCode || again.Entry != rc.Entry ||
			again.Checkpoint != rc.Checkpoint || len(again.Proof) != len(rc.Proof) {
			t.Fatalf("the receipt does not round-trip: %s", canonical)
		}
	})
}
