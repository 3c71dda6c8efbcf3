package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/witness"
	"github.com/urna-vote/urna/protocol"
	"github.com/urna-vote/urna/verify"
)

func init() {
	register("verify", "verify an election from its public ledger", runVerify)
}

// verifyMemoryLimit is the verifier's soft memory limit unless GOMEMLIMIT
// sets another.
const verifyMemoryLimit = 1536 << 20

func runVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify", "verify DIR|URL [--receipt FILE]... [--json] [--log-key FILE]", stderr)
	jsonOut := fs.Bool("json", false, `print {"ok", "ballots", "results", "error"} as JSON`)
	logKey := fs.String("log-key", "", "file with the log's public key (default DIR/log.pub)")
	witnesses := fs.String("witnesses", "", "witness policy file: demand its quorum of cosignatures on the checkpoint (check L4)")
	protocolFile := fs.String("protocol", "", "a published result protocol (XML, signed or not) to compare with the one the ledger gives (check PR1)")
	protocolOut := fs.String("write-protocol", "", "write the result protocol the ledger gives to FILE")
	var receipts []string
	fs.Func("receipt", "check a voter's receipt file against the ledger (repeatable)", func(s string) error {
		receipts = append(receipts, s)
		return nil
	})
	dir, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if dir == "" && fs.NArg() == 1 {
		dir = fs.Arg(0)
	} else if dir == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The verifier's live memory is bounded (docs/performance.md); a
		// soft limit keeps the collector from letting the heap grow to
		// twice that on large elections.
		debug.SetMemoryLimit(verifyMemoryLimit)
	}
	remote := strings.HasPrefix(dir, "http://") || strings.HasPrefix(dir, "https://")
	opts := verify.Options{}
	if *witnesses != "" {
		b, err := os.ReadFile(*witnesses)
		if err != nil {
			return err
		}
		if opts.Witnesses, err = witness.ParsePolicy(b); err != nil {
			return err
		}
	}
	keyFile := *logKey
	if keyFile == "" {
		if remote {
			return fmt.Errorf("verifying %s needs --log-key FILE: the log's public key, obtained from the organiser", dir)
		}
		keyFile = filepath.Join(dir, "log.pub")
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("reading the log key: %w", err)
	}
	opts.Key = strings.TrimSpace(string(key))
	bar := newProgress(stderr, "entries")
	if !*jsonOut {
		opts.Progress = bar.set
	}
	var report *verify.Report
	if remote {
		report, err = verify.URL(context.Background(), dir, opts)
	} else {
		report, err = verify.Dir(dir, opts)
	}
	bar.done()
	if err != nil {
		return err
	}
	if len(receipts) > 0 {
		v, err := ledger.NewVerifier(opts.Key)
		if err != nil {
			return err
		}
		for _, path := range receipts {
			rc, err := verify.ReadReceipt(path)
			if err != nil {
				return err
			}
			report.CheckReceipt(rc, v)
		}
	}
	var signer *x509.Certificate
	if *protocolFile != "" {
		published, err := os.ReadFile(*protocolFile)
		if err != nil {
			return err
		}
		signer = report.CheckProtocol(published)
	}
	if *protocolOut != "" && report.OK {
		doc, err := report.Protocol()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*protocolOut, doc, 0o644); err != nil {
			return err
		}
	}
	if *jsonOut {
		fmt.Fprintf(stdout, "%s\n", report.JSON())
	} else {
		fmt.Fprint(stdout, report.Text())
		if len(receipts) > 0 && report.OK {
			fmt.Fprintf(stdout, "\n%d receipt(s) checked: each ballot is on the ledger and counted or replaced by its voter's later ballot.\n", len(receipts))
		}
		if signer != nil && report.OK {
			fmt.Fprintf(stdout, "\nThe protocol is signed by %q, certificate SHA-256 %s: compare it with the one the commission announced.\n",
				signer.Subject.CommonName, protocol.CertificateFingerprint(signer))
		}
	}
	if !report.OK {
		return exitError{1}
	}
	return nil
}

// splitPositional lets the folder come before the flags, as in
// "urna verify DIR --json".
func splitPositional(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}
