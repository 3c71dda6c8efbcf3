// Package demo prepares a demonstration platform: four elections open now
// (federal, regional, municipal and a training vote), a voter register, and
// demo voters with a known password whose applications are accounted, so
// that anyone can vote within a minute of starting `urna demo`.
//
// DEMO ONLY: the guardians and the commission are simulated in this
// process, their keys kept in one file of the data folder
// (elections/ID/demo-keys.json). A real election splits its key among
// guardians on their own machines; nobody ever holds all of it.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/keyholders"
	"github.com/urna-vote/urna/organiser"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/registry"
)

// Password is every demo voter's password.
const Password = "urna-demo-2027"

// Options configure the demo.
type Options struct {
	// Voters is how many demo voters to create (default 1000).
	Voters int
	// Guardians and Threshold split each election's key (default 7 and 4).
	Guardians, Threshold int
}

// Voter returns the login (phone) of demo voter i (0-based).
func Voter(i int) string { return fmt.Sprintf("+7900%07d", i+1) }

// Setup prepares the demo on a platform whose data folder holds no
// election yet; on one that does, it does nothing (the demo survives
// restarts with its votes).
func Setup(ctx context.Context, p *platform.Platform, opts Options) error {
	if len(p.Elections()) > 0 {
		return nil
	}
	if opts.Voters <= 0 {
		opts.Voters = 1000
	}
	if opts.Guardians == 0 {
		opts.Guardians, opts.Threshold = 7, 4
	}
	now := p.Config.Now()
	for _, d := range elections(now) {
		if err := create(ctx, p, d, opts); err != nil {
			return fmt.Errorf("demo: election %s: %w", d.manifest.ID, err)
		}
	}
	return voters(ctx, p, opts.Voters)
}

// definition is one demo election.
type definition struct {
	manifest *election.Manifest
	info     registry.ElectionInfo
}

func create(ctx context.Context, p *platform.Platform, d definition, opts Options) error {
	m := d.manifest
	k := keyholders.Generate(opts.Guardians, []string{"member-1", "member-2", "member-3"})
	if err := k.Fill(m, opts.Threshold, map[string]string{"member-1": "Председатель комиссии (демо)",
		"member-2": "Секретарь комиссии (демо)", "member-3": "Член комиссии (демо)"}); err != nil {
		return err
	}
	for i := range m.Guardians {
		m.Guardians[i].Name = fmt.Sprintf("Демо-хранитель ключа %d", i+1)
	}
	e, err := p.CreateElection(ctx, m, d.info)
	if err != nil {
		return err
	}
	kb, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(p.Config.Data, "elections", m.ID, "demo-keys.json"), kb, 0o600); err != nil {
		return err
	}
	if err := k.Ceremony(ctx, e.Box); err != nil {
		return err
	}
	// The platform's conductor opens voting as soon as the key is out; the
	// demo does not wait a second for it.
	if _, err := e.Box.Append(ctx, &election.Entry{Type: election.TypeOpen}); err != nil {
		var phase election.Phase
		e.Box.View(func(st *election.State) { phase = st.Phase })
		if phase != election.PhaseOpen {
			return err
		}
	}
	// The simulated guardians show they hold their shares, so the
	// conductor's key test is on the ledger from the start.
	return k.Heartbeats(ctx, e.Box)
}

// LoadKeys reads the demo keys of an election.
func LoadKeys(data, id string) (*keyholders.Keys, error) {
	b, err := os.ReadFile(filepath.Join(data, "elections", id, "demo-keys.json"))
	if err != nil {
		return nil, err
	}
	var k keyholders.Keys
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("demo-keys.json: %w", err)
	}
	return &k, nil
}

// voters imports the register and creates the demo voters' verified
// accounts, with applications accounted in every election they may vote
// in.
func voters(ctx context.Context, p *platform.Platform, n int) error {
	var reg bytes.Buffer
	reg.WriteString("full_name,birth_date,document,snils,address,region,district\n")
	ids := make([]registry.Identity, n)
	for i := range ids {
		d := demoDistricts[i%len(demoDistricts)]
		ids[i] = identity(i, d)
		fmt.Fprintf(&reg, "%s,%s,%s,%s,\"%s\",%s,%s\n", ids[i].FullName, ids[i].BirthDate, ids[i].Document,
			ids[i].SNILS, ids[i].Address, d.region, d.id)
	}
	if _, err := p.Registry.ImportRegister(ctx, &reg); err != nil {
		return err
	}
	infos, err := p.Registry.Elections(ctx)
	if err != nil {
		return err
	}
	// Password hashing is deliberately slow: spread it over the cores.
	work := make(chan int)
	errs := make(chan error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := voter(ctx, p, ids[i], infos); err != nil {
					errs <- fmt.Errorf("demo voter %d: %w", i, err)
					return
				}
			}
		}()
	}
	var first error
loop:
	for i := range ids {
		select {
		case work <- i:
		case first = <-errs:
			break loop
		}
	}
	close(work)
	wg.Wait()
	if first == nil {
		select {
		case first = <-errs:
		default:
		}
	}
	return first
}

func voter(ctx context.Context, p *platform.Platform, id registry.Identity, infos []registry.ElectionInfo) error {
	const ip = "demo"
	acc, err := p.Registry.Register(ctx, id, Password, ip)
	if err != nil {
		return err
	}
	if err := p.Registry.VerifyAccount(ctx, acc.ID, "demo", ip); err != nil {
		return err
	}
	if id.Phone == Voter(0) {
		// The first demo voter is also an organiser, to try the console.
		org := organiser.New(p.DB, p.Registry, p, organiser.Options{Now: p.Config.Now, Logger: p.Log})
		if err := org.Grant(ctx, acc.ID, organiser.RoleOrganiser, "demo"); err != nil {
			return err
		}
	}
	for _, info := range infos {
		if _, err := p.Registry.Apply(ctx, acc.ID, info.ID, ip); err != nil {
			var re *registry.Error
			if asRegistryError(err, &re) && re.Code == "not_eligible" {
				continue
			}
			return err
		}
	}
	return nil
}

// window is the demo's voting window: opened an hour ago, closes in a week.
func window(now time.Time, tz string) election.Window {
	return election.Window{Opens: now.Add(-time.Hour).UnixMilli(), Closes: now.Add(7 * 24 * time.Hour).UnixMilli(), TimeZone: tz}
}
