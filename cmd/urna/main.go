// Command urna is the urna e-voting platform: one binary whose subcommands
// run an election, verify one, and operate the ledger.
//
//	urna simulate --voters N --out DIR     run a whole election in one process
//	urna verify DIR|URL                    verify an election from its ledger
//	urna ledger resign DIR --key FILE      re-sign a ledger's checkpoint
//
// Run "urna help COMMAND" for the flags of each.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
)

// A command is one subcommand: a name, a one-line summary and a run
// function that parses its own flags.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	commands[name] = command{summary, run}
}

// errUsage is returned after a usage message was printed.
var errUsage = errors.New("usage")

// exitError carries an exit code other than 1, printed by nothing.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	// URNA_CPUPROFILE=FILE writes a CPU profile of the whole command, for
	// finding where an election's time goes (go tool pprof FILE).
	if path := os.Getenv("URNA_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "urna: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "urna: %v\n", err)
			os.Exit(1)
		}
		code := run(os.Args[1:], os.Stdout, os.Stderr)
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	// URNA_MEMPROFILE=FILE writes the heap in use when the command ends.
	if path := os.Getenv("URNA_MEMPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	os.Exit(code)
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				c.run([]string{"-h"}, stdout, stderr)
				return 0
			}
		}
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "urna: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	err := c.run(args[1:], stdout, stderr)
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintf(stderr, "urna %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: urna COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"urna help COMMAND\" for a command's flags.")
}

// newFlags returns a flag set that prints its usage to stderr and returns
// errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: urna %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
