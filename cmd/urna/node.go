package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/urna-vote/urna/chain"
	"github.com/urna-vote/urna/ledger/tiles"
)

func init() {
	register("testnet", "write a local network of CometBFT validators for an election's ledger", runTestnet)
	register("node", "run a validator (or follower) of an election's replicated ledger", runNode)
}

func runTestnet(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("testnet", "testnet --validators 4 --dir DIR [--followers N] [--port 26656] [--chain-id ID]", stderr)
	validators := fs.Int("validators", 4, "validators (each organisation runs one)")
	followers := fs.Int("followers", 0, "non-validating nodes (observers' full copies)")
	dir := fs.String("dir", "", "folder for the nodes' homes (DIR/node0 …)")
	port := fs.Int("port", 26656, "first peer port; node i uses port+10·i for peers and port+10·i+1 for RPC")
	chainID := fs.String("chain-id", "urna-local", "the network's chain id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *validators < 1 || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	homes, err := chain.Testnet(*dir, *chainID, *validators, *followers, *port)
	if err != nil {
		return err
	}
	for i, h := range homes {
		kind := "validator"
		if i >= *validators {
			kind = "follower"
		}
		fmt.Fprintf(stdout, "%s: urna node --home %s   (peers :%d, RPC :%d)\n", kind, h, *port+10*i, *port+10*i+1)
	}
	return nil
}

func runNode(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("node", "node --home DIR [--log-level info]", stderr)
	home := fs.String("home", "", "the node's home, as urna testnet wrote it")
	level := fs.String("log-level", "error", "CometBFT's log level: error, info or debug")
	serve := fs.String("serve", "", "address serving the node's copy of the ledger as tlog-tiles at /ledger/ (urna verify URL --log-key HOME/config/ledger.pub)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *home == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	logger := cmtlog.NewTMLogger(cmtlog.NewSyncWriter(stderr))
	switch *level {
	case "debug":
		logger = cmtlog.NewFilter(logger, cmtlog.AllowDebug())
	case "info":
		logger = cmtlog.NewFilter(logger, cmtlog.AllowInfo())
	default:
		logger = cmtlog.NewFilter(logger, cmtlog.AllowError())
	}
	n, err := chain.Start(*home, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "urna node: %s running (node ID %s)\n", *home, n.NodeInfo().ID())
	if *serve != "" {
		ln, err := net.Listen("tcp", *serve)
		if err != nil {
			n.Stop()
			return err
		}
		hs := &http.Server{Handler: http.StripPrefix("/ledger", tiles.NewHandler(n.App, nil)), ReadHeaderTimeout: 5 * time.Second}
		go hs.Serve(ln)
		defer hs.Close()
		fmt.Fprintf(stdout, "  its ledger: http://%s/ledger/ (key: %s/config/ledger.pub)\n", ln.Addr(), *home)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	size, root := n.App.Size()
	fmt.Fprintf(stdout, "urna node: stopping at %d entries, root %s\n", size, root)
	return n.Stop()
}
