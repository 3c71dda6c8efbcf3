package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urna-vote/urna/guardian"
	"github.com/urna-vote/urna/internal/secretfile"
)

func init() {
	register("guardian", "a key holder's tool: key, ceremony, heartbeats, decryption (init, ceremony, heartbeat, decrypt, run, status)", runGuardian)
}

const guardianUsage = `usage: urna guardian init --key FILE
       urna guardian ceremony URL --election ID --key FILE [--deadline 10m]
       urna guardian heartbeat URL --election ID --key FILE [--every 1m]
       urna guardian decrypt URL --election ID --key FILE
       urna guardian run URL --election ID --key FILE [--every 1m] [--deadline 10m]
       urna guardian status URL --election ID

init makes a guardian's long-term key, writes it to FILE sealed with a
passphrase (age, scrypt) and prints the public key for the organiser.
ceremony takes part in an election's key ceremony and keeps the share of
the election key in FILE.ID.share; heartbeat shows the platform, while
voting runs, that the share is still held; decrypt posts the partial
decryption of the tally; run does all of it until the result is published.
status shows the ceremony, heartbeats and shares of an election.

The passphrase comes from URNA_PASSPHRASE if it is set, else from the
terminal. Every command may be stopped and run again: it resumes.`

func runGuardian(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, guardianUsage)
		return errUsage
	}
	switch args[0] {
	case "init":
		return runGuardianInit(args[1:], stdout, stderr)
	case "ceremony", "heartbeat", "decrypt", "run":
		return runGuardianStep(args[0], args[1:], stdout, stderr)
	case "status":
		return runGuardianStatus(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, guardianUsage)
		return flag.ErrHelp
	default:
		fmt.Fprintf(stderr, "urna guardian: unknown subcommand %q\n%s\n", args[0], guardianUsage)
		return errUsage
	}
}

func runGuardianInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("guardian init", "guardian init --key FILE", stderr)
	key := fs.String("key", "", "the key file to write (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *key == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	// Fail before asking for a passphrase; Init checks again, atomically.
	if _, err := os.Lstat(*key); err == nil {
		return fmt.Errorf("%s already exists; refusing to overwrite it", *key)
	}
	pass, err := secretfile.ReadNewPassphrase("Passphrase for " + *key + ": ")
	if err != nil {
		return err
	}
	defer clear(pass)
	pub, err := guardian.Init(*key, pass, rand.Reader)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "guardian key written to %s\npublic key:  %s\nfingerprint: %s\n"+
		"Give the public key to the organiser for the election's manifest, and back up %s and its passphrase.\n",
		*key, guardian.PublicKeyText(pub), guardian.Fingerprint(pub), *key)
	return nil
}

// guardianFlags are the flags every election subcommand shares.
type guardianFlags struct {
	election, key, logKey *string
	deadline, every       *time.Duration
}

func newGuardianFlags(name string, stderr io.Writer, withKey bool) (*flag.FlagSet, *guardianFlags) {
	synopsis := "guardian " + name + " URL --election ID"
	if withKey {
		synopsis += " --key FILE"
	}
	fs := newFlags("guardian "+name, synopsis, stderr)
	gf := &guardianFlags{
		election: fs.String("election", "", "the election's id"),
		logKey:   fs.String("log-key", "", "file with the election log's public key as the organiser published it (default: the one the platform serves)"),
		key:      new(string),
		deadline: new(time.Duration),
		every:    new(time.Duration),
	}
	if withKey {
		gf.key = fs.String("key", "", "the guardian's key file (urna guardian init)")
	}
	switch name {
	case "ceremony", "run":
		gf.deadline = fs.Duration("deadline", 10*time.Minute, "how long to wait for the other guardians' deals before judging those present")
	}
	switch name {
	case "heartbeat", "run":
		gf.every = fs.Duration("every", time.Minute, "interval between heartbeats")
	}
	return fs, gf
}

// parseGuardian parses URL and the flags, and the log key file.
func parseGuardian(fs *flag.FlagSet, gf *guardianFlags, args []string, withKey bool) (guardian.Config, error) {
	url, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return guardian.Config{}, err
	}
	if url == "" && fs.NArg() == 1 {
		url = fs.Arg(0)
	} else if url == "" || fs.NArg() != 0 || *gf.election == "" || (withKey && *gf.key == "") {
		fs.Usage()
		return guardian.Config{}, errUsage
	}
	cfg := guardian.Config{URL: url, Election: *gf.election, KeyFile: *gf.key, Deadline: *gf.deadline, Every: *gf.every}
	if *gf.logKey != "" {
		b, err := os.ReadFile(*gf.logKey)
		if err != nil {
			return cfg, fmt.Errorf("reading the log key: %w", err)
		}
		cfg.LogKey = strings.TrimSpace(string(b))
	}
	return cfg, nil
}

func runGuardianStep(name string, args []string, stdout, stderr io.Writer) error {
	fs, gf := newGuardianFlags(name, stderr, true)
	cfg, err := parseGuardian(fs, gf, args, true)
	if err != nil {
		return err
	}
	if _, err := os.Stat(cfg.KeyFile); err != nil {
		return fmt.Errorf("the key file: %w", err)
	}
	pass, err := secretfile.ReadPassphrase("Passphrase for " + cfg.KeyFile + ": ")
	if err != nil {
		return err
	}
	defer clear(pass)
	cfg.Passphrase = pass
	cfg.Log = slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g, err := guardian.Open(ctx, cfg)
	if err != nil {
		return err
	}
	switch name {
	case "ceremony":
		info, err := g.Ceremony(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "election %s: guardian %d holds its share in %s\njoint key:   %s\nfingerprint: %s\nqualified guardians: %v\n",
			info.Election, info.Guardian, info.ShareFile, guardian.PublicKeyText(info.Key), info.Fingerprint(), info.Qualified)
		return nil
	case "heartbeat":
		return g.Heartbeat(ctx)
	case "decrypt":
		return g.Decrypt(ctx)
	default:
		if err := g.Run(ctx); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "election %s: the result is published; guardian %d is done\n", cfg.Election, g.Index())
		return nil
	}
}

func runGuardianStatus(args []string, stdout, stderr io.Writer) error {
	fs, gf := newGuardianFlags("status", stderr, false)
	cfg, err := parseGuardian(fs, gf, args, false)
	if err != nil {
		return err
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	s, err := guardian.ReadStatus(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, s.String())
	return nil
}
