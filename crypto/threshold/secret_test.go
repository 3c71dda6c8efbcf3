package threshold

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestSecretHygiene: the secret types cannot be compared with ==, never
// print their secret with any fmt verb (alone or nested), and refuse every
// marshalling.
func TestSecretHygiene(t *testing.T) {
	f := newFixture(t, Params{N: 2, T: 2}, "hygiene")
	g := f.guardians[0]
	poly := g.poly
	polyHex := hex.EncodeToString(poly.coeffs[0].Bytes())
	f.run(t)
	share := f.shares[1]
	key := f.keys[0]
	for name, v := range map[string]struct {
		value  any
		secret string
	}{
		"LongTermKey": {key, hex.EncodeToString(key.y.Bytes())},
		"Share":       {share, hex.EncodeToString(share.SecretForStorage())},
		"Guardian":    {g, hex.EncodeToString(key.y.Bytes())},
		"polynomial":  {poly, polyHex},
	} {
		if reflect.TypeOf(v.value).Elem().Comparable() {
			t.Errorf("%s is comparable with ==", name)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
			for _, out := range []string{fmt.Sprintf(verb, v.value), fmt.Sprintf(verb, struct{ X any }{v.value}), fmt.Sprintf(verb, []any{v.value})} {
				if strings.Contains(strings.ToLower(out), v.secret[:16]) || !strings.Contains(out, "secret") {
					t.Errorf("%s printed with %s: %q", name, verb, out)
				}
			}
		}
		if _, err := json.Marshal(v.value); err == nil {
			t.Errorf("json.Marshal of a %s succeeded", name)
		}
		for _, m := range []string{"MarshalText", "MarshalBinary"} {
			out := reflect.ValueOf(v.value).MethodByName(m).Call(nil)
			if out[1].IsNil() {
				t.Errorf("%s.%s succeeded", name, m)
			}
		}
	}
}
