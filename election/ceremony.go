package election

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/threshold"
)

// Ceremony rounds as they appear in ceremony entries.
const (
	RoundDeal       = 1 // commitments, proof of knowledge, sealed shares
	RoundComplaints = 2 // complaints (possibly none)
)

type ceremony struct {
	params threshold.Params
	ctx    [32]byte
	public *threshold.Ceremony
	err    error // a manifest whose keys do not decode
}

func newCeremony(m *Manifest, ctx [32]byte) *ceremony {
	c := &ceremony{params: threshold.Params{N: len(m.Guardians), T: m.Threshold}, ctx: ctx}
	keys := make([][]byte, len(m.Guardians))
	for i, g := range m.Guardians {
		keys[i] = g.Key
	}
	setup, err := threshold.NewSetup(c.params, ctx, keys)
	if err != nil {
		c.err = err
		return c
	}
	c.public = threshold.NewCeremony(setup)
	return c
}

// CeremonyContext returns the key ceremony's context hash.
func (s *State) CeremonyContext() [32]byte { return s.ceremony.ctx }

// Ceremony returns the public record of the key ceremony so far (guardians
// read the others' messages from it).
func (s *State) Ceremony() *threshold.Ceremony { return s.ceremony.public }

func (s *State) applyCeremony(p *Prepared) error {
	if err := s.needPhase(p, PhaseCeremony); err != nil {
		return err
	}
	if s.ceremony.err != nil {
		return fail(CheckCeremony, p.Index, "%v", s.ceremony.err)
	}
	ce := p.Entry.Ceremony
	var err error
	switch ce.Round {
	case RoundDeal:
		err = s.ceremony.public.AddRound1(ce.Guardian, ce.Message)
	case RoundComplaints:
		err = s.ceremony.public.AddRound2(ce.Guardian, ce.Message)
	default:
		err = fmt.Errorf("unknown round %d", ce.Round)
	}
	if err != nil {
		return fail(CheckCeremony, p.Index, "%v", err)
	}
	return nil
}

func (s *State) applyKey(p *Prepared) error {
	if err := s.needPhase(p, PhaseCeremony); err != nil {
		return err
	}
	if s.ceremony.err != nil {
		return fail(CheckKey, p.Index, "%v", s.ceremony.err)
	}
	res, err := s.ceremony.public.Result()
	if err != nil {
		return fail(CheckKey, p.Index, "%v", err)
	}
	k := p.Entry.Key
	if !bytes.Equal(k.Key, res.Key.Bytes()) || !slices.Equal(k.Qualified, res.Qualified) {
		return fail(CheckKey, p.Index, "the published key or qualified guardians %v are not the ceremony's %v", k.Qualified, res.Qualified)
	}
	s.Key = elgamal.NewPublicKey(res.Key)
	s.ContextHash = ContextOf(s.manifestJSON, k.Key)
	s.publicShares = res.PublicShares
	s.qualified = res.Qualified
	s.fixed = &fixedContext{ballot: s.BallotContext(), issuers: s.issuers, styles: s.styles,
		operator: s.Manifest.Operator, operatorContext: s.operatorContext}
	s.Phase = PhaseKeyed
	return nil
}

// verifyShare checks a guardian's decryption share of the tally.
func (s *State) verifyShare(guardian int, raw []byte) error {
	ds, err := threshold.DecodeDecryptionShare(raw)
	if err != nil {
		return err
	}
	if ds.Guardian != guardian {
		return fmt.Errorf("the share is guardian %d's", ds.Guardian)
	}
	return threshold.VerifyDecryptionShare(ds, s.publicShares[guardian-1], s.tallyCts, s.ContextHash)
}

// combineShares decrypts the tally from the published (verified) shares.
func (s *State) combineShares() ([]*ristretto255.Element, []int, error) {
	var shares []*threshold.DecryptionShare
	var guardians []int
	for g := 1; g <= s.ceremony.params.N; g++ {
		raw, ok := s.shares[g]
		if !ok {
			continue
		}
		ds, err := threshold.DecodeDecryptionShare(raw)
		if err != nil {
			return nil, nil, err
		}
		shares = append(shares, ds)
		guardians = append(guardians, g)
	}
	values, err := threshold.Combine(s.ceremony.params, s.publicShares, s.tallyCts, s.ContextHash, shares)
	return values, guardians, err
}
