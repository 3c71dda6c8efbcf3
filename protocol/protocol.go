// Package protocol builds the result protocol of an election — the
// document the commission signs and publishes — from its verified ledger
// alone, deterministically: the same ledger gives the same bytes, so
// anyone rebuilds the published protocol from the ledger and compares
// (`urna verify DIR --protocol FILE`). It embeds the checkpoint of the
// ledger it was built from (origin, size, root), which ties it to that
// ledger.
//
// The XML's schema is in docs/protocol-xml.md. Element order is fixed,
// districts, contests and options follow the manifest's order, times are
// RFC 3339 in UTC with milliseconds, binary values are standard base64, and
// the document is UTF-8 with LF line ends and a final newline.
package protocol

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
)

// Namespace is the protocol document's XML namespace.
const Namespace = "urn:urna:protocol:1"

// Protocol is the document.
type Protocol struct {
	XMLName    xml.Name   `xml:"urn:urna:protocol:1 protocol"`
	Election   Election   `xml:"election"`
	Ledger     Ledger     `xml:"ledger"`
	Counts     Counts     `xml:"counts"`
	Contests   []Contest  `xml:"results>contest"`
	Districts  []District `xml:"districts>district"`
	Regions    []Region   `xml:"regions>region"`
	Guardians  []Guardian `xml:"decryption>guardian"`
	Commission []Member   `xml:"commission>member"`
	Disputes   []Dispute  `xml:"disputes>dispute"`
	Times      Times      `xml:"times"`
}

// Election names the election.
type Election struct {
	ID       string `xml:"id,attr"`
	Training bool   `xml:"training,attr"`
	TitleRU  string `xml:"title-ru"`
	TitleEN  string `xml:"title-en"`
	Build    string `xml:"build"` // the SHA-256 of the platform build that defined it
}

// Ledger is the checkpoint the protocol was built from.
type Ledger struct {
	Origin string `xml:"origin"`
	Size   uint64 `xml:"size"`
	Root   string `xml:"root"` // base64
}

// Counts is the reconciliation the law asks for.
type Counts struct {
	Participants      uint64 `xml:"participants"`       // voters whose application to vote online was accounted
	BallotsIssued     uint64 `xml:"ballots-issued"`     // credentials issued
	Voted             uint64 `xml:"voted"`              // credentials that cast a ballot
	BallotsCounted    uint64 `xml:"ballots-counted"`    // one per voter: the last ballot
	BallotsSuperseded uint64 `xml:"ballots-superseded"` // replaced by a re-vote
	BallotsSpoiled    uint64 `xml:"ballots-spoiled"`    // opened by their voters, never counted
	BallotsRejected   uint64 `xml:"ballots-rejected"`   // refused by the platform while voting was open (declared; never on the ledger)
}

// Contest is one question's totals.
type Contest struct {
	ID      string   `xml:"id,attr"`
	TitleRU string   `xml:"title-ru"`
	TitleEN string   `xml:"title-en"`
	Options []Option `xml:"option"`
}

// Option is one option's count.
type Option struct {
	ID      string `xml:"id,attr"`
	Votes   uint64 `xml:"votes,attr"`
	TitleRU string `xml:"title-ru"`
	TitleEN string `xml:"title-en"`
}

// District is one district's counts.
type District struct {
	ID           string            `xml:"id,attr"`
	Participants uint64            `xml:"participants,attr"`
	Contests     []DistrictContest `xml:"contest"`
}

// Region is the sum of its districts' counts (the manifest's district
// region codes; regions in the order their first district appears, their
// contests in manifest order).
type Region struct {
	ID           string            `xml:"id,attr"`
	Participants uint64            `xml:"participants,attr"`
	Contests     []DistrictContest `xml:"contest"`
}

// DistrictContest is one contest's counts in a district or region.
type DistrictContest struct {
	ID      string           `xml:"id,attr"`
	Options []DistrictOption `xml:"option"`
}

// DistrictOption is one option's count in a district.
type DistrictOption struct {
	ID    string `xml:"id,attr"`
	Votes uint64 `xml:"votes,attr"`
}

// Guardian is a key holder who decrypted.
type Guardian struct {
	Index int    `xml:"index,attr"`
	Name  string `xml:",chardata"`
}

// Member is a commission member and their signature of the result.
type Member struct {
	ID          string `xml:"id,attr"`
	Scheme      string `xml:"scheme,attr,omitempty"` // the key's signature scheme as the manifest names it; absent: Ed25519
	Name        string `xml:"name"`
	Fingerprint string `xml:"key-sha256"`          // hex SHA-256 of the public key
	Signature   string `xml:"signature,omitempty"` // base64, in the member's scheme; absent: did not sign
}

// Dispute is a voter's dispute and the commission's decision.
type Dispute struct {
	Entry    uint64 `xml:"entry,attr"` // the dispute's ledger index
	Tracking string `xml:"tracking,attr"`
	Filed    string `xml:"filed"`
	Reason   string `xml:"reason"`
	Outcome  string `xml:"outcome"` // upheld or dismissed
	Member   string `xml:"resolved-by"`
	Decision string `xml:"decision"`
	Resolved string `xml:"resolved"`
}

// Times are when voting opened and closed, the key was last shown usable
// by a quorum of guardians, and the result was published.
type Times struct {
	Opened    string `xml:"voting-opened"`
	KeyTested string `xml:"key-tested"`
	Closed    string `xml:"voting-closed"`
	Decided   string `xml:"result-published"`
}

// ErrNotDecided is returned for an election without a result.
var ErrNotDecided = errors.New("protocol: the election has no result yet")

// Build makes the protocol of a decided election from its state and the
// checkpoint of the ledger the state was replayed from.
func Build(st *election.State, cp ledger.Checkpoint) (*Protocol, error) {
	m, res := st.Manifest, st.Result
	if m == nil || res == nil {
		return nil, ErrNotDecided
	}
	p := &Protocol{
		Election: Election{ID: m.ID, Training: m.Training, TitleRU: m.Title.RU, TitleEN: m.Title.EN, Build: m.Build},
		Ledger:   Ledger{Origin: cp.Origin, Size: cp.Size, Root: cp.Root.String()},
		Counts: Counts{BallotsIssued: res.Counts.Issued, Voted: res.Counts.Voted, BallotsCounted: res.Counts.Counted,
			BallotsSuperseded: res.Counts.Superseded, BallotsSpoiled: res.Counts.Spoiled, BallotsRejected: st.Rejected},
		Times: Times{Opened: stamp(st.OpenedAt), KeyTested: stamp(st.KeyTestedAt), Closed: stamp(st.ClosedAt), Decided: stamp(st.DecidedAt)},
	}
	for _, n := range st.Participants {
		p.Counts.Participants += n
	}
	for _, i := range slices.Sorted(maps.Keys(st.Disputes)) {
		d := st.Disputes[i]
		pd := Dispute{Entry: i, Tracking: d.Entry.Tracking, Filed: stamp(d.Filed), Reason: d.Entry.Reason}
		if r := d.Resolution; r != nil {
			pd.Outcome, pd.Member, pd.Decision, pd.Resolved = r.Outcome, r.Member, r.Reason, stamp(d.ResolvedAt)
		}
		p.Disputes = append(p.Disputes, pd)
	}
	totals := res.Totals(m)
	byDistrict := map[string]election.DistrictResult{}
	for _, d := range res.Districts {
		byDistrict[d.District] = d
	}
	options := map[string][]election.Option{}
	for _, c := range m.Contests {
		options[c.ID] = c.Options
		pc := Contest{ID: c.ID, TitleRU: c.Title.RU, TitleEN: c.Title.EN}
		for _, o := range c.Options {
			pc.Options = append(pc.Options, Option{ID: o.ID, Votes: totals[c.ID][o.ID], TitleRU: o.Title.RU, TitleEN: o.Title.EN})
		}
		p.Contests = append(p.Contests, pc)
	}
	for _, d := range m.Districts {
		dr, ok := byDistrict[d.ID]
		if !ok {
			continue
		}
		pd := District{ID: d.ID, Participants: st.Participants[d.ID]}
		for _, c := range dr.Contests {
			dc := DistrictContest{ID: c.Contest}
			for i, v := range c.Counts {
				if i < len(options[c.Contest]) {
					dc.Options = append(dc.Options, DistrictOption{ID: options[c.Contest][i].ID, Votes: v})
				}
			}
			pd.Contests = append(pd.Contests, dc)
		}
		p.Districts = append(p.Districts, pd)
	}
	p.Regions = regions(m, p.Districts)
	guardians := append([]int(nil), res.Guardians...)
	sort.Ints(guardians)
	for _, g := range guardians {
		name := ""
		for _, mg := range m.Guardians {
			if mg.Index == g {
				name = mg.Name
			}
		}
		p.Guardians = append(p.Guardians, Guardian{Index: g, Name: name})
	}
	for _, c := range m.Commission {
		fp := sha256.Sum256(c.Key)
		mem := Member{ID: c.ID, Scheme: c.Scheme, Name: c.Name, Fingerprint: hex.EncodeToString(fp[:])}
		if sig, ok := st.Signed[c.ID]; ok {
			mem.Signature = b64(sig)
		}
		p.Commission = append(p.Commission, mem)
	}
	return p, nil
}

// regions sums the districts' counts by the manifest's region codes.
func regions(m *election.Manifest, districts []District) []Region {
	regionOf := map[string]string{}
	for _, d := range m.Districts {
		regionOf[d.ID] = d.Region
	}
	var order []string
	participants := map[string]uint64{}
	votes := map[string]map[string]map[string]uint64{} // region, contest, option
	for _, d := range districts {
		r := regionOf[d.ID]
		if r == "" {
			continue
		}
		if _, ok := votes[r]; !ok {
			order = append(order, r)
			votes[r] = map[string]map[string]uint64{}
		}
		participants[r] += d.Participants
		for _, c := range d.Contests {
			if votes[r][c.ID] == nil {
				votes[r][c.ID] = map[string]uint64{}
			}
			for _, o := range c.Options {
				votes[r][c.ID][o.ID] += o.Votes
			}
		}
	}
	var out []Region
	for _, r := range order {
		pr := Region{ID: r, Participants: participants[r]}
		for _, c := range m.Contests {
			if votes[r][c.ID] == nil {
				continue
			}
			rc := DistrictContest{ID: c.ID}
			for _, o := range c.Options {
				rc.Options = append(rc.Options, DistrictOption{ID: o.ID, Votes: votes[r][c.ID][o.ID]})
			}
			pr.Contests = append(pr.Contests, rc)
		}
		out = append(out, pr)
	}
	return out
}

func stamp(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// XML encodes the protocol.
func (p *Protocol) XML() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
