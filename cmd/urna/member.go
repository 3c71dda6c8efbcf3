package main

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/urna-vote/urna/crypto/sign"
	"github.com/urna-vote/urna/internal/secretfile"
)

func init() {
	register("member", "a commission member's signing key (keygen, pubkey)", runMember)
}

const memberUsage = `usage: urna member keygen --scheme ed25519|gost2012-256 --out FILE
       urna member pubkey FILE

keygen makes a signing key, writes it to FILE sealed with a passphrase
(age, scrypt) and prints the public key and its fingerprint; pubkey prints
them again from FILE. The passphrase comes from URNA_PASSPHRASE if it is
set, else from the terminal.`

func runMember(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, memberUsage)
		return errUsage
	}
	switch args[0] {
	case "keygen":
		return runMemberKeygen(args[1:], stdout, stderr)
	case "pubkey":
		return runMemberPubkey(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, memberUsage)
		return flag.ErrHelp
	default:
		fmt.Fprintf(stderr, "urna member: unknown subcommand %q\n%s\n", args[0], memberUsage)
		return errUsage
	}
}

func runMemberKeygen(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("member keygen", "member keygen --scheme ed25519|gost2012-256 --out FILE", stderr)
	scheme := fs.String("scheme", sign.Ed25519, "signature scheme: "+sign.Ed25519+" or "+sign.GOST256)
	out := fs.String("out", "", "the private key file to write (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	canonical, err := sign.Canonical(*scheme)
	if err != nil || *scheme == "" {
		return fmt.Errorf("--scheme: want %s or %s", sign.Ed25519, sign.GOST256)
	}
	// Fail before asking for a passphrase; WriteFile checks again, atomically.
	if _, err := os.Lstat(*out); err == nil {
		return fmt.Errorf("%s already exists; refusing to overwrite it", *out)
	}
	pass, err := secretfile.ReadNewPassphrase("Passphrase for " + *out + ": ")
	if err != nil {
		return err
	}
	defer clear(pass)
	s, err := sign.Generate(canonical, rand.Reader)
	if err != nil {
		return err
	}
	text, err := sign.MarshalPrivate(s)
	if err != nil {
		return err
	}
	defer clear(text)
	if err := secretfile.WriteFile(*out, pass, text); err != nil {
		return err
	}
	printMemberKey(stdout, s)
	fmt.Fprintf(stderr, "wrote the private key to %s, sealed with the passphrase; the first line above goes into the election manifest\n", *out)
	return nil
}

func runMemberPubkey(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("member pubkey", "member pubkey FILE", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	s, err := readMemberKey(fs.Arg(0))
	if err != nil {
		return err
	}
	printMemberKey(stdout, s)
	return nil
}

// readMemberKey opens a member's sealed key file with the passphrase.
func readMemberKey(path string) (sign.Signer, error) {
	pass, err := secretfile.ReadPassphrase("Passphrase for " + path + ": ")
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	text, err := secretfile.ReadFile(path, pass)
	if err != nil {
		return nil, err
	}
	defer clear(text)
	s, err := sign.ParsePrivate(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// printMemberKey prints the public key as "<scheme> <base64>" and, on the
// next line, its fingerprint, for the member to read out to the commission.
func printMemberKey(w io.Writer, s sign.Signer) {
	pub := s.Public()
	fmt.Fprintf(w, "%s %s\n", s.Scheme(), base64.StdEncoding.EncodeToString(pub))
	fmt.Fprintf(w, "fingerprint %s\n", sign.Fingerprint(s.Scheme(), pub))
}
