// Package platform assembles one running urna platform from its data
// folder: the private database with the registry, and every election's
// ballot box with its log key and credential issuer keys.
//
// The data folder:
//
//	DATA/secret.key                 the platform's HMAC key (pseudonyms, one-time codes)
//	DATA/private.db                 accounts, register, applications, audit log (SQLite default)
//	DATA/publisher.key, .crt        the key and certificate signing published protocols
//	DATA/elections/ID/ledger.db     the election's public ledger (in PostgreSQL with Config.LedgerDB)
//	DATA/elections/ID/log.key       its checkpoint signing key (signed-note format)
//	DATA/elections/ID/log.pub       the key that verifies its checkpoints
//	DATA/elections/ID/issuers.json  its districts' credential issuer keys (PKCS#8)
//	DATA/archive/ID.tar.gz, .json   a closed election's archive and its record
//
// Secret files are written with mode 0600 and never logged.
package platform

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/dashboard"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/buildhash"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/witness"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/registry"
	"github.com/urna-vote/urna/store"
)

// Config configures a platform.
type Config struct {
	// Data is the data folder.
	Data string
	// DB is the private database's DSN; empty means SQLite in
	// Data/private.db.
	DB string
	// LedgerDB, if set, is the PostgreSQL database (postgres://…) that
	// holds the elections' ledgers, each in a schema of its own
	// (ledger.SchemaName of the election's id); empty means each
	// election's SQLite file Data/elections/ID/ledger.db.
	LedgerDB string
	// Origin prefixes the names of the elections' logs, e.g.
	// "vybory.example.ru"; each log is Origin/elections/ID.
	Origin string
	// SMS sends one-time codes; Mail sends notifications.
	SMS  notify.SMS
	Mail notify.Mail
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// MaxQueue bounds each ballot box's queue (see ballotbox.Options).
	MaxQueue int
	// Replica, if set, gives the replicated ledger of an election (nil:
	// the embedded ledger alone); see ballotbox.Options.Replica.
	Replica func(electionID string) (ballotbox.Replica, error)
	// Witnesses, if set, are asked to cosign every election's checkpoints
	// (package witness); the cosigned checkpoints are served and carried
	// by receipts.
	Witnesses *witness.Policy
	// ArchiveKeep is how long a closed election's archive is kept
	// (platform/archive.go); zero means three years.
	ArchiveKeep time.Duration
}

// A Platform is the running services.
type Platform struct {
	Config   Config
	DB       *store.DB
	Registry *registry.Registry
	Issuance *issuance.Service
	Log      *slog.Logger
	// Notifications is the persistent outbox of what voters are told.
	Notifications *notify.Queue

	mu        sync.RWMutex
	elections map[string]*issuance.Election
	rejected  rejections     // ballots refused while voting was open (rejected.go)
	archive   archiveState   // the archive of closed elections (archive.go)
	publisher publisherState // the key signing published protocols (publisher.go)
	// operator signs every entry of the elections it defines (check O1 of
	// package election): only this platform appends to their ledgers.
	operator ed25519.PrivateKey

	// The background work of every election: turnout sampling for the
	// dashboards and, with witnesses, collecting cosignatures.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Open opens the platform in cfg.Data, creating the folder and its secret
// on first use, and opens every election found there.
func Open(ctx context.Context, cfg Config) (*Platform, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Origin == "" {
		cfg.Origin = "urna.local"
	}
	if err := os.MkdirAll(filepath.Join(cfg.Data, "elections"), 0o700); err != nil {
		return nil, err
	}
	secret, err := loadSecret(filepath.Join(cfg.Data, "secret.key"))
	if err != nil {
		return nil, err
	}
	seed, err := loadSecret(filepath.Join(cfg.Data, "operator.key"))
	if err != nil {
		return nil, err
	}
	dsn := cfg.DB
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(cfg.Data, "private.db")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	reg := registry.New(db, registry.Options{Now: cfg.Now, SMS: cfg.SMS, Secret: secret, Logger: cfg.Logger})
	p := &Platform{
		Config: cfg, DB: db, Registry: reg, Log: cfg.Logger, operator: ed25519.NewKeyFromSeed(seed),
		Issuance:  &issuance.Service{Registry: reg, Secret: secret, Now: cfg.Now},
		elections: map[string]*issuance.Election{},
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.Notifications = notify.NewQueue(db, cfg.SMS, cfg.Mail, cfg.Now, cfg.Logger)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.Notifications.Run(p.ctx, 2*time.Second)
	}()
	dirs, err := os.ReadDir(filepath.Join(cfg.Data, "elections"))
	if err != nil {
		p.Close()
		return nil, err
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		e, err := p.openElection(ctx, d.Name())
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("platform: election %s: %w", d.Name(), err)
		}
		p.elections[e.ID] = e
	}
	return p, nil
}

// Close closes every ballot box and the database.
func (p *Platform) Close() error {
	p.cancel()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, e := range p.elections {
		errs = append(errs, e.Box.Close())
	}
	p.elections = nil
	errs = append(errs, p.DB.Close())
	return errors.Join(errs...)
}

// Election returns an open election by id.
func (p *Platform) Election(id string) (*issuance.Election, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	e, ok := p.elections[id]
	return e, ok
}

// Elections returns the open elections, by id.
func (p *Platform) Elections() []*issuance.Election {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]*issuance.Election, 0, len(p.elections))
	for _, e := range p.elections {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// CreateElection creates an election's folder, log key and issuer keys
// (one per district), fills the manifest's issuer keys, appends the
// manifest to the new ledger and registers the election's private
// metadata. The manifest's guardians and commission must be set.
func (p *Platform) CreateElection(ctx context.Context, m *election.Manifest, info registry.ElectionInfo) (*issuance.Election, error) {
	if _, ok := p.Election(m.ID); ok || m.ID == "" || strings.ContainsAny(m.ID, `/\.`) {
		return nil, fmt.Errorf("platform: election id %q is taken or not a folder name", m.ID)
	}
	// The build that defines the election goes on the ledger with it, and
	// the key without whose signature no later entry is accepted.
	m.Build = buildhash.Hash()
	m.Operator = p.OperatorKey()
	dir := filepath.Join(p.Config.Data, "elections", m.ID)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	e, err := p.createElection(ctx, dir, m, info)
	if err != nil {
		os.RemoveAll(dir) // nothing of a failed election stays
		return nil, err
	}
	p.mu.Lock()
	p.elections[m.ID] = e
	p.mu.Unlock()
	return e, nil
}

func (p *Platform) createElection(ctx context.Context, dir string, m *election.Manifest, info registry.ElectionInfo) (*issuance.Election, error) {
	skey, vkey, err := ledger.GenerateKey(rand.Reader, p.Config.Origin+"/elections/"+m.ID)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "log.pub"), []byte(vkey+"\n"), 0o644); err != nil {
		return nil, err
	}
	issuers := map[string][]byte{}
	for i := range m.Districts {
		is, err := credential.GenerateIssuer(rand.Reader, credential.DefaultModulusBits)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(is.PrivateKey())
		if err != nil {
			return nil, err
		}
		issuers[m.Districts[i].ID] = der
		m.Districts[i].Issuer = credential.MarshalPublicKey(is.PublicKey())
	}
	ib, err := json.Marshal(issuers)
	if err != nil {
		return nil, err
	}
	if err := writeSecret(filepath.Join(dir, "issuers.json"), ib); err != nil {
		return nil, err
	}
	if err := writeSecret(filepath.Join(dir, "log.key"), []byte(skey+"\n")); err != nil {
		return nil, err
	}
	e, err := p.openElection(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if _, err := e.Box.Append(ctx, &election.Entry{Type: election.TypeElection, Election: m}); err != nil {
		e.Box.Close()
		return nil, fmt.Errorf("platform: defining election %s: %w", m.ID, err)
	}
	info.ID = m.ID
	info.Training = m.Training
	info.Districts = nil
	for _, d := range m.Districts {
		info.Districts = append(info.Districts, d.ID)
	}
	if info.Title.RU == "" {
		info.Title = registry.Text{RU: m.Title.RU, EN: m.Title.EN}
	}
	if err := p.Registry.AddElection(ctx, info); err != nil {
		e.Box.Close()
		return nil, err
	}
	return e, nil
}

func (p *Platform) openElection(ctx context.Context, id string) (*issuance.Election, error) {
	dir := filepath.Join(p.Config.Data, "elections", id)
	skey, err := os.ReadFile(filepath.Join(dir, "log.key"))
	if err != nil {
		return nil, err
	}
	signer, err := ledger.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, err
	}
	ib, err := os.ReadFile(filepath.Join(dir, "issuers.json"))
	if err != nil {
		return nil, err
	}
	var ders map[string][]byte
	if err := json.Unmarshal(ib, &ders); err != nil {
		return nil, fmt.Errorf("issuers.json: %w", err)
	}
	vkey, err := os.ReadFile(filepath.Join(dir, "log.pub"))
	if err != nil {
		return nil, err
	}
	e := &issuance.Election{ID: id, Issuers: map[string]*credential.Issuer{}, VerifierKey: strings.TrimSpace(string(vkey))}
	for district, der := range ders {
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("issuer key of district %s: %w", district, err)
		}
		sk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("issuer key of district %s is not RSA", district)
		}
		if e.Issuers[district], err = credential.NewIssuer(sk); err != nil {
			return nil, err
		}
	}
	var replica ballotbox.Replica
	if p.Config.Replica != nil {
		if replica, err = p.Config.Replica(id); err != nil {
			return nil, err
		}
	}
	ledgerAt := filepath.Join(dir, "ledger.db")
	if p.Config.LedgerDB != "" {
		if _, err := os.Stat(ledgerAt); err == nil {
			return nil, fmt.Errorf("platform: the ledger of election %s is the file %s; it is not moved to the ledger database", id, ledgerAt)
		}
		if ledgerAt, err = ledger.PostgresStore(p.Config.LedgerDB, id); err != nil {
			return nil, err
		}
	}
	e.Box, err = ballotbox.Open(ctx, ledgerAt, ballotbox.Options{
		Origin: signer.Name(), Signer: signer, Now: p.Config.Now,
		MaxQueue: p.Config.MaxQueue, Logger: p.Config.Logger, Replica: replica, Operator: p.operator,
	})
	if err != nil {
		return nil, err
	}
	p.background(e)
	return e, nil
}

// background starts an election's sampler and, with witnesses, its
// collector; Close stops them.
func (p *Platform) background(e *issuance.Election) {
	e.Series = new(dashboard.Series)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		seen := map[string]bool{}
		for {
			var snap dashboard.Snapshot
			e.Box.View(func(st *election.State) { snap = dashboard.FromState(e.ID, st) })
			e.Series.Record(snap)
			if err := p.flushRejected(p.ctx, e.ID); err != nil && p.ctx.Err() == nil {
				p.Log.Error("platform: counting rejected ballots", "election", e.ID, "err", err)
			}
			p.conduct(p.ctx, e)
			p.watchPhases(p.ctx, e, seen)
			p.archiveStep(p.ctx, e, seen)
			select {
			case <-p.ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	if p.Config.Witnesses != nil {
		e.Witnesses = witness.NewCollector(p.Config.Witnesses, e.Box.Ledger(), nil, p.Log)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			e.Witnesses.Run(p.ctx, 200*time.Millisecond)
		}()
	}
}

// loadSecret reads the platform secret, creating it on first use.
// OperatorKey is the public key the platform signs its elections' entries
// with (DATA/operator.key holds its private seed).
func (p *Platform) OperatorKey() ed25519.PublicKey {
	return p.operator.Public().(ed25519.PublicKey)
}

func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		s := make([]byte, 32)
		if _, err := rand.Read(s); err != nil {
			return nil, err
		}
		if err := writeSecret(path, []byte(hex.EncodeToString(s)+"\n")); err != nil {
			return nil, err
		}
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(s) != 32 {
		return nil, fmt.Errorf("platform: %s must hold 32 bytes in hex", path)
	}
	return s, nil
}

// writeSecret writes a secret file (mode 0600) durably, never replacing
// one that exists.
func writeSecret(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
