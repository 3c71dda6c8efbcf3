package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urna-vote/urna/ledger/witness"
	"github.com/urna-vote/urna/observe"
)

func init() {
	register("observe", "follow an election's ledger live as an observer node and witness", runObserve)
}

func runObserve(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "keygen" {
		return runWitnessKeygen(args[1:], stdout, stderr)
	}
	fs := newFlags("observe", "observe URL --log-key FILE --dir DIR [--addr HOST:PORT] [--witness-key FILE] [--peer URL]...\n       urna observe keygen NAME --out FILE", stderr)
	logKey := fs.String("log-key", "", "file with the log's public key, as the organiser published it")
	dir := fs.String("dir", "urna-observer", "folder for the node's own copy of the ledger")
	addr := fs.String("addr", "127.0.0.1:8090", "address of the node's dashboard, copy and witness endpoint")
	witnessKey := fs.String("witness-key", "", "the node's witness signer key file (urna observe keygen); empty: not a witness")
	interval := fs.Duration("interval", time.Second, "how often to poll the ledger")
	var peers []string
	fs.Func("peer", "another observer node's URL, whose copy is compared with this one's (repeatable)", func(s string) error {
		peers = append(peers, s)
		return nil
	})
	url, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if url == "" && fs.NArg() == 1 {
		url = fs.Arg(0)
	} else if url == "" || fs.NArg() != 0 || *logKey == "" {
		fs.Usage()
		return errUsage
	}
	key, err := os.ReadFile(*logKey)
	if err != nil {
		return fmt.Errorf("reading the log key: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := observe.Config{URL: url, LogKey: strings.TrimSpace(string(key)), Dir: *dir, Peers: peers, Interval: *interval, Logger: log}
	if *witnessKey != "" {
		skey, err := os.ReadFile(*witnessKey)
		if err != nil {
			return err
		}
		if cfg.Witness, err = witness.NewSigner(string(skey)); err != nil {
			return err
		}
	}
	n, err := observe.Open(cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: n.Handler(), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go n.Run(ctx)
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	fmt.Fprintf(stdout, "urna observe: following %s\n  dashboard: http://%s/\n  its copy:  http://%s/ledger/ (urna verify works against it)\n", url, ln.Addr(), ln.Addr())
	if cfg.Witness != nil {
		fmt.Fprintf(stdout, "  witness:   %s at http://%s/witness/add-checkpoint\n", cfg.Witness.Name(), ln.Addr())
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if alerts := n.Alerts(); len(alerts) > 0 {
		return exitError{code: 2}
	}
	return nil
}

// runWitnessKeygen writes a new witness signer key and prints the line of
// the witness policy that names it.
func runWitnessKeygen(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("observe keygen", "observe keygen NAME --out FILE [--url URL]", stderr)
	out := fs.String("out", "", "file to write the signer key to (kept secret by the node)")
	url := fs.String("url", "", "the node's witness endpoint, written into the policy line")
	name, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if name == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	skey, vkey, err := witness.GenerateKey(rand.Reader, name)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, []byte(skey+"\n"), 0o600); err != nil {
		return err
	}
	line := "witness " + name + " " + vkey
	if *url != "" {
		line += " " + *url
	}
	fmt.Fprintln(stdout, line)
	return nil
}
