package organiser

import (
	"context"
	"errors"
	"fmt"

	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/election"
)

// FinishCeremony stops waiting for the guardians who have not answered:
// the joint key is published from the deals of those who dealt and drew
// no justified complaint, if they are at least the threshold. The
// platform publishes the key by itself once every guardian has answered
// both rounds; this is the organiser's decision when one never will (a
// lost machine, a guardian who withdrew). Those left out hold no share
// of the key and cannot help decrypt.
func (s *Service) FinishCeremony(ctx context.Context, id, by string) (Status, error) {
	e, err := s.fixedElection(ctx, id)
	if err != nil {
		return Status{}, err
	}
	var phase election.Phase
	var dealt, need int
	e.Box.View(func(st *election.State) {
		phase, need = st.Phase, st.Manifest.Threshold
		for _, m := range st.Ceremony().Round1Messages() {
			if m != nil {
				dealt++
			}
		}
	})
	over := refuse(CodeNoCeremony, "", "Церемония ключа уже завершена: ключ выборов опубликован.",
		"The key ceremony is over: the election key is published.")
	if phase != election.PhaseCeremony {
		return Status{}, over
	}
	if _, err := s.el.FinishCeremony(ctx, id); err != nil {
		e.Box.View(func(st *election.State) { phase = st.Phase })
		if phase != election.PhaseCeremony { // the platform published it meanwhile
			return Status{}, over
		}
		if errors.Is(err, threshold.ErrQuorum) {
			return Status{}, refuse(CodeTooFew, "",
				fmt.Sprintf("Ключ можно сформировать, только если его доли раздали без обоснованных жалоб не меньше %d хранителей; раздали %d. Дождитесь остальных.", need, dealt),
				fmt.Sprintf("The key can be formed only once at least %d guardians have dealt with no justified complaint; %d have dealt. Wait for the others.", need, dealt))
		}
		return Status{}, err
	}
	s.audit(ctx, by, "ceremony_finished", id)
	s.opts.Logger.Info("organiser: key ceremony finished without every guardian", "vote", id, "dealt", dealt)
	return s.Status(ctx, id)
}
