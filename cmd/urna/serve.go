package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urna-vote/urna/archive"
	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/chain"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/witness"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/web"
)

func init() {
	register("serve", "run the voting server", runServe)
	register("demo", "run the voting server with a ready demo election (demo only)", runDemo)
}

// serverFlags are the flags of serve and demo. Each may also be given in
// the environment as URNA_NAME (upper case, '-' as '_') or in the JSON
// file of --config; the command line wins over the environment, which
// wins over the file.
type serverFlags struct {
	fs            *flag.FlagSet
	config        *string
	data, addr    *string
	db, origin    *string
	ledgerDB      *string
	operatorToken *string
	smsURL        *string
	smsToken      *string
	smtpAddr      *string
	smtpFrom      *string
	smtpUser      *string
	smtpPassword  *string
	smtpTLS       *bool
	tlsCert       *string
	tlsKey        *string
	insecure      *bool
	maxQueue      *int
	ipRate        *float64
	oidcIssuer    *string
	oidcClient    *string
	oidcSecret    *string
	oidcRedirect  *string
	witnesses     *string
	metricsAddr   *string
	chains        *string
	archiveKeep   *time.Duration
}

func newServerFlags(name, usage string, stderr io.Writer, dataDefault string) *serverFlags {
	fs := newFlags(name, usage, stderr)
	ledgerDB := new(string)
	fs.Func("ledger-db", "keep the elections' ledgers in the PostgreSQL database `postgres://…`, each in its own schema (default: SQLite in each election's folder)", func(v string) error {
		if _, err := ledger.PostgresStore(v, "x"); v != "" && err != nil {
			return err
		}
		*ledgerDB = v
		return nil
	})
	return &serverFlags{
		fs:            fs,
		ledgerDB:      ledgerDB,
		config:        fs.String("config", "", "JSON file of settings (keys are the flag names)"),
		data:          fs.String("data", dataDefault, "data folder (ledgers, keys, the embedded database)"),
		addr:          fs.String("addr", "127.0.0.1:8080", "address to listen on"),
		db:            fs.String("db", "", "private database: sqlite:PATH or postgres://… (default: SQLite in the data folder)"),
		origin:        fs.String("origin", "urna.local", "name of this platform in its logs' checkpoints, e.g. vybory.example.ru"),
		operatorToken: fs.String("operator-token", "", "bearer token of the operator console's API (empty: disabled)"),
		smsURL:        fs.String("sms-url", "", "SMS gateway endpoint (POST JSON {phone, text})"),
		smsToken:      fs.String("sms-token", "", "SMS gateway bearer token"),
		smtpAddr:      fs.String("smtp-addr", "", "SMTP submission server for e-mail notifications, HOST:PORT (empty: no e-mail)"),
		smtpFrom:      fs.String("smtp-from", "", "sender of e-mail notifications, ADDRESS or \"Name <ADDRESS>\""),
		smtpUser:      fs.String("smtp-user", "", "SMTP user name (empty: no AUTH)"),
		smtpPassword:  fs.String("smtp-password", "", "SMTP password (give it as URNA_SMTP_PASSWORD, not on the command line)"),
		smtpTLS:       fs.Bool("smtp-require-tls", false, "send no e-mail unless the SMTP server starts TLS (without it: STARTTLS when offered)"),
		tlsCert:       fs.String("tls-cert", "", "TLS certificate file (PEM)"),
		tlsKey:        fs.String("tls-key", "", "TLS private key file (PEM)"),
		insecure:      fs.Bool("insecure-cookies", false, "session cookie without Secure, for plain HTTP on loopback only"),
		maxQueue:      fs.Int("max-queue", 4096, "ballots waiting per election before the server answers busy"),
		ipRate:        fs.Float64("ip-rate", 5, "login and registration requests a second per client address (negative: no limit)"),
		oidcIssuer:    fs.String("oidc-issuer", "", "OpenID Connect provider that verifies identities (empty: none)"),
		oidcClient:    fs.String("oidc-client-id", "", "client id at the OpenID Connect provider"),
		oidcSecret:    fs.String("oidc-client-secret", "", "client secret at the OpenID Connect provider"),
		oidcRedirect:  fs.String("oidc-redirect", "", "this server's callback URL, https://HOST/auth/oidc/callback"),
		witnesses:     fs.String("witnesses", "", "witness policy file: the observers asked to cosign every checkpoint (see urna observe)"),
		metricsAddr:   fs.String("metrics-addr", "", "address serving Prometheus metrics at /metrics (empty: none), e.g. 127.0.0.1:9464"),
		archiveKeep:   fs.Duration("archive-keep", archive.DefaultKeep, "how long a closed election's archive (DATA/archive) is kept before it is purged"),
		chains:        fs.String("chain", "", "elections whose ledger is replicated, as ID=RPC[,ID=RPC…]: a node of each one's network, e.g. city-2026=tcp://127.0.0.1:26657"),
	}
}

// parse parses the command line, then fills the flags not given there from
// the environment and the config file.
func (f *serverFlags) parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() != 0 {
		f.fs.Usage()
		return errUsage
	}
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	file := map[string]any{}
	if *f.config != "" {
		b, err := os.ReadFile(*f.config)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		if err := dec.Decode(&file); err != nil {
			return fmt.Errorf("config %s: %w", *f.config, err)
		}
		for k := range file {
			if f.fs.Lookup(k) == nil || k == "config" {
				return fmt.Errorf("config %s: unknown setting %q", *f.config, k)
			}
		}
	}
	var err error
	f.fs.VisitAll(func(fl *flag.Flag) {
		if set[fl.Name] || err != nil {
			return
		}
		env := "URNA_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := fl.Value.Set(v); e != nil {
				err = fmt.Errorf("%s: %w", env, e)
			}
			return
		}
		if v, ok := file[fl.Name]; ok {
			if e := fl.Value.Set(fmt.Sprint(v)); e != nil {
				err = fmt.Errorf("config %s: %s: %w", *f.config, fl.Name, e)
			}
		}
	})
	return err
}

// replicas parses --chain: the replicated ledger of each election named.
func (f *serverFlags) replicas() (func(string) (ballotbox.Replica, error), error) {
	if *f.chains == "" {
		return nil, nil
	}
	addrs := map[string]string{}
	for _, pair := range strings.Split(*f.chains, ",") {
		id, addr, ok := strings.Cut(pair, "=")
		if !ok || id == "" || addr == "" {
			return nil, fmt.Errorf("--chain: %q is not ID=RPC", pair)
		}
		addrs[id] = addr
	}
	return func(id string) (ballotbox.Replica, error) {
		addr, ok := addrs[id]
		if !ok {
			return nil, nil
		}
		return chain.Dial(addr)
	}, nil
}

// policy reads the witness policy, if one is given.
func (f *serverFlags) policy() (*witness.Policy, error) {
	if *f.witnesses == "" {
		return nil, nil
	}
	b, err := os.ReadFile(*f.witnesses)
	if err != nil {
		return nil, err
	}
	return witness.ParsePolicy(b)
}

func runServe(args []string, stdout, stderr io.Writer) error {
	f := newServerFlags("serve", "serve --data DIR [flags]", stderr, "urna-data")
	if err := f.parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	cfg := platform.Config{Data: *f.data, DB: *f.db, LedgerDB: *f.ledgerDB, Origin: *f.origin, Logger: log, MaxQueue: *f.maxQueue}
	cfg.ArchiveKeep = *f.archiveKeep
	var err error
	if cfg.Witnesses, err = f.policy(); err != nil {
		return err
	}
	if cfg.Replica, err = f.replicas(); err != nil {
		return err
	}
	if *f.smsURL != "" {
		cfg.SMS = &notify.HTTPSMS{URL: *f.smsURL, Token: *f.smsToken}
	}
	if *f.smtpAddr != "" {
		if *f.smtpFrom == "" {
			return errors.New("--smtp-addr needs --smtp-from, the sender of e-mail notifications")
		}
		if _, _, err := net.SplitHostPort(*f.smtpAddr); err != nil {
			return fmt.Errorf("--smtp-addr: %w", err)
		}
		if _, err := mail.ParseAddress(*f.smtpFrom); err != nil {
			return fmt.Errorf("--smtp-from: %w", err)
		}
		cfg.Mail = &notify.SMTP{Addr: *f.smtpAddr, From: *f.smtpFrom, Username: *f.smtpUser, Password: *f.smtpPassword,
			RequireTLS: *f.smtpTLS}
	}
	p, err := platform.Open(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	s := web.New(p, web.Options{OperatorToken: *f.operatorToken, InsecureCookies: *f.insecure,
		PerIPRate: *f.ipRate, Logger: log})
	if *f.oidcIssuer != "" {
		if err := s.EnableOIDC(context.Background(), web.OIDC{Issuer: *f.oidcIssuer, ClientID: *f.oidcClient,
			ClientSecret: *f.oidcSecret, RedirectURL: *f.oidcRedirect}); err != nil {
			return fmt.Errorf("OpenID Connect provider: %w", err)
		}
	}
	return listen(s, *f.addr, *f.metricsAddr, *f.tlsCert, *f.tlsKey, log, func(url string) {
		fmt.Fprintf(stdout, "urna: serving %d elections at %s\n", len(p.Elections()), url)
	})
}

func runDemo(args []string, stdout, stderr io.Writer) error {
	f := newServerFlags("demo", "demo [flags]", stderr, filepath.Join(os.TempDir(), "urna-demo"))
	voters := f.fs.Int("voters", 1000, "demo voters to create on first start")
	if err := f.parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	outbox := notify.NewOutbox(16)
	cfg := platform.Config{Data: *f.data, DB: *f.db, LedgerDB: *f.ledgerDB, Origin: *f.origin, Logger: log, SMS: outbox, MaxQueue: *f.maxQueue}
	cfg.ArchiveKeep = *f.archiveKeep
	var err error
	if cfg.Witnesses, err = f.policy(); err != nil {
		return err
	}
	if cfg.Replica, err = f.replicas(); err != nil {
		return err
	}
	p, err := platform.Open(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	fresh := len(p.Elections()) == 0
	if fresh {
		fmt.Fprintf(stdout, "urna demo: preparing elections and %d demo voters in %s …\n", *voters, *f.data)
	}
	start := time.Now()
	if err := demo.Setup(context.Background(), p, demo.Options{Voters: *voters}); err != nil {
		return err
	}
	if fresh {
		fmt.Fprintf(stdout, "urna demo: ready in %.1f s\n", time.Since(start).Seconds())
	}
	// The demo listens on plain HTTP on loopback: cookies without Secure,
	// and a load generator on this machine is not limited per address.
	s := web.New(p, web.Options{Demo: true, Outbox: outbox, InsecureCookies: true, ExemptLoopback: true,
		OperatorToken: *f.operatorToken, PerIPRate: *f.ipRate, Logger: log})
	return listen(s, *f.addr, *f.metricsAddr, *f.tlsCert, *f.tlsKey, log, func(url string) {
		fmt.Fprintf(stdout, `urna demo (DEMO ONLY: guardians and commission are simulated in this process)
  portal:    %s
  API:       %s/api/v1/openapi.json
  voters:    %s … %s, password %s
  SMS codes: %s/api/v1/demo/sms?phone=%%2B79000000001
  console:   %s/console/ (the organiser's console; %s is an organiser)
  load test: go run ./cmd/urna loadtest %s --voters 500 --rate 1000 --duration 20s
`, url, url, demo.Voter(0), demo.Voter(*voters-1), demo.Password, url, url, demo.Voter(0), url)
	})
}

// listen serves s until SIGINT or SIGTERM, then shuts down gracefully:
// requests in flight finish, then the ballot boxes close.
func listen(s *web.Server, addr, metricsAddr, cert, key string, log *slog.Logger, ready func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if metricsAddr != "" {
		mln, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.MetricsHandler())
		ms := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go ms.Serve(mln)
		defer ms.Close()
		log.Info("urna: metrics", "addr", "http://"+mln.Addr().String()+"/metrics")
	}
	hs := s.HTTPServer(addr)
	scheme := "http"
	if cert != "" {
		scheme = "https"
	}
	ready(scheme + "://" + ln.Addr().String())
	errc := make(chan error, 1)
	go func() {
		if cert != "" {
			errc <- hs.ServeTLS(ln, cert, key)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case err := <-errc:
		return err
	case <-sig:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("urna: shutdown", "err", err)
	}
	return nil
}
