package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urna-vote/urna/ledger"
)

func init() {
	register("ledger", "operate on a ledger folder (resign)", runLedger)
}

func runLedger(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "resign" {
		fmt.Fprintln(stderr, "usage: urna ledger resign DIR --key FILE")
		return errUsage
	}
	fs := newFlags("ledger resign", "ledger resign DIR --key FILE", stderr)
	keyFile := fs.String("key", "", "the log's signing key (required)")
	dir, rest := splitPositional(args[1:])
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if dir == "" && fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	if dir == "" || *keyFile == "" {
		fs.Usage()
		return errUsage
	}
	key, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	signer, err := ledger.NewSigner(strings.TrimSpace(string(key)))
	if err != nil {
		return err
	}
	f, err := os.Open(filepath.Join(dir, "ledger.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	signed, err := ledger.ResignCheckpoint(ledger.ReadJSONL(bufio.NewReader(f)), signer.Name(), signer)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoint"), signed, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-signed %s/checkpoint over the current ledger.jsonl\n", dir)
	return nil
}
