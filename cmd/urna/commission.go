package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urna-vote/urna/commission"
	"github.com/urna-vote/urna/election"
)

func init() {
	register("commission", "the election commission's tools (show, sign, disputes, resolve)", runCommission)
}

const commissionUsage = `usage: urna commission show URL --election ID [--log-key FILE]
       urna commission sign URL --election ID --member ID --key FILE [--yes] [--log-key FILE]
       urna commission disputes URL --election ID [--log-key FILE]
       urna commission resolve URL --election ID --dispute N --outcome upheld|dismissed --reason TEXT --member ID --key FILE [--log-key FILE]

Each command reads the election's whole ledger from the platform at URL,
checks it against its signed checkpoint and replays it: what it shows and
what a member signs come from the ledger, not from the platform's word.
show prints the result per contest, the reconciliation counts, the voters'
disputes and who has signed; sign signs the result with the member's key
(made by "urna member keygen") after showing what is signed and asking
for confirmation unless --yes, and refuses while a dispute is unresolved;
disputes lists the voters' disputes; resolve records a member's signed
decision on one. The key's passphrase comes from URNA_PASSPHRASE if it is
set, else from the terminal.`

func runCommission(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, commissionUsage)
		return errUsage
	}
	switch args[0] {
	case "show", "disputes", "sign", "resolve":
		return commissionCommand(args[0], args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, commissionUsage)
		return flag.ErrHelp
	default:
		fmt.Fprintf(stderr, "urna commission: unknown subcommand %q\n%s\n", args[0], commissionUsage)
		return errUsage
	}
}

// commissionFlags are the flags of every commission subcommand.
type commissionFlags struct {
	election, logKey, member, key *string
	yes                           *bool
	dispute                       *uint64
	outcome, reason               *string
}

func commissionCommand(sub string, args []string, stdout, stderr io.Writer) error {
	synopsis := map[string]string{
		"show":     "commission show URL --election ID [--log-key FILE]",
		"disputes": "commission disputes URL --election ID [--log-key FILE]",
		"sign":     "commission sign URL --election ID --member ID --key FILE [--yes] [--log-key FILE]",
		"resolve":  "commission resolve URL --election ID --dispute N --outcome upheld|dismissed --reason TEXT --member ID --key FILE",
	}[sub]
	fs := newFlags("commission "+sub, synopsis, stderr)
	f := commissionFlags{
		election: fs.String("election", "", "the election's id (required)"),
		logKey:   fs.String("log-key", "", "file with the election's log key, from the organiser (default: the platform's answer)"),
	}
	if sub == "sign" || sub == "resolve" {
		f.member = fs.String("member", "", "your member id in the manifest (required)")
		f.key = fs.String("key", "", "your sealed private key file, from urna member keygen (required)")
	}
	if sub == "sign" {
		f.yes = fs.Bool("yes", false, "sign without asking for confirmation")
	}
	if sub == "resolve" {
		f.dispute = fs.Uint64("dispute", 0, "the dispute's ledger entry (required; see urna commission disputes)")
		f.outcome = fs.String("outcome", "", "upheld (the voter is right) or dismissed (required)")
		f.reason = fs.String("reason", "", "the commission's reason, published on the ledger (required)")
	}
	base, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if base == "" && fs.NArg() == 1 {
		base = fs.Arg(0)
	} else if base == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	required := []string{"election"}
	switch sub {
	case "sign":
		required = append(required, "member", "key")
	case "resolve":
		required = append(required, "member", "key", "dispute", "outcome", "reason")
	}
	for _, name := range required {
		if !set[name] {
			fmt.Fprintf(stderr, "urna commission %s: --%s is required\n", sub, name)
			fs.Usage()
			return errUsage
		}
	}
	if sub == "resolve" && *f.outcome != election.OutcomeUpheld && *f.outcome != election.OutcomeDismissed {
		return fmt.Errorf("--outcome %q: want %s or %s", *f.outcome, election.OutcomeUpheld, election.OutcomeDismissed)
	}
	if sub == "resolve" && strings.TrimSpace(*f.reason) == "" {
		return errors.New("--reason: the commission's decision needs its reason")
	}
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return fmt.Errorf("%q: want the platform's URL, http://… or https://…", base)
	}
	opts := commission.Options{}
	if *f.logKey != "" {
		b, err := os.ReadFile(*f.logKey)
		if err != nil {
			return fmt.Errorf("reading the log key: %w", err)
		}
		opts.LogKey = strings.TrimSpace(string(b))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	e, err := commission.Open(ctx, base, *f.election, opts)
	if err != nil {
		return err
	}
	switch sub {
	case "show":
		fmt.Fprint(stdout, e.Summary().Text())
		return nil
	case "disputes":
		fmt.Fprint(stdout, commission.DisputesText(e.Disputes()))
		return nil
	case "sign":
		return commissionSign(ctx, e, *f.member, *f.key, *f.yes, stdout, stderr)
	default:
		return commissionResolve(ctx, e, f, stdout)
	}
}

func commissionSign(ctx context.Context, e *commission.Election, member, keyFile string, yes bool, stdout, stderr io.Writer) error {
	// Refuse before asking for the passphrase.
	if err := e.CanSign(member); err != nil {
		var ue *commission.UnresolvedError
		if errors.As(err, &ue) {
			fmt.Fprint(stderr, commission.DisputesText(e.Disputes()))
		}
		return err
	}
	s, err := readMemberKey(keyFile)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, e.Summary().Text())
	fmt.Fprintf(stdout, "\nSigning, as %s, the result above: ledger %s, %d entries, root %s.\n", member, e.Checkpoint.Origin, e.Checkpoint.Size, e.Checkpoint.Root)
	if !yes {
		ok, err := confirm(stderr, "Type yes to sign: ")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not signed")
		}
	}
	p, err := e.Sign(ctx, member, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signed: the signature of %s is entry %d of the ledger (checkpoint of %d entries, root %s)\n", member, p.Entry, p.Checkpoint.Size, p.Checkpoint.Root)
	return nil
}

func commissionResolve(ctx context.Context, e *commission.Election, f commissionFlags, stdout io.Writer) error {
	s, err := readMemberKey(*f.key)
	if err != nil {
		return err
	}
	p, err := e.Resolve(ctx, *f.dispute, *f.outcome, *f.reason, *f.member, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "resolved: the dispute at entry %d is %s; the decision of %s is entry %d of the ledger\n", *f.dispute, *f.outcome, *f.member, p.Entry)
	return nil
}

// confirm asks a yes/no question on stderr and reads the answer from the
// standard input, a byte at a time so that nothing after the line is
// consumed.
func confirm(stderr io.Writer, prompt string) (bool, error) {
	fmt.Fprint(stderr, prompt)
	var line []byte
	b := make([]byte, 1)
	for len(line) < 64 {
		n, err := os.Stdin.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, err
		}
	}
	answer := strings.ToLower(strings.TrimSpace(string(line)))
	return answer == "yes" || answer == "да", nil
}
