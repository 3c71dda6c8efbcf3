package chain

import (
	crand "crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
	"github.com/spf13/viper"
	"github.com/urna-vote/urna/ledger"
)

// Testnet writes the homes of a local network of validators (and
// non-validating followers) on loopback: DIR/node0 … with their keys,
// one genesis and each other as persistent peers. Node i listens for peers
// on basePort+10·i and serves CometBFT's RPC on basePort+10·i+1.
func Testnet(dir, chainID string, validators, followers, basePort int) ([]string, error) {
	n := validators + followers
	homes := make([]string, n)
	var genVals []types.GenesisValidator
	var peers []string
	for i := 0; i < n; i++ {
		homes[i] = filepath.Join(dir, fmt.Sprintf("node%d", i))
		c := nodeConfig(homes[i], basePort+10*i)
		for _, d := range []string{"config", "data"} {
			if err := os.MkdirAll(filepath.Join(homes[i], d), 0o700); err != nil {
				return nil, err
			}
		}
		pv := privval.GenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
		pv.Save()
		key, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile())
		if err != nil {
			return nil, err
		}
		peers = append(peers, p2p.IDAddressString(key.ID(), fmt.Sprintf("127.0.0.1:%d", basePort+10*i)))
		// The node's own log key: it signs checkpoints of its copy of the
		// ledger, so urna verify works against any node.
		skey, vkey, err := ledger.GenerateKey(crand.Reader, chainID+"/"+filepath.Base(homes[i]))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(homes[i], "config", "ledger.key"), []byte(skey+"\n"), 0o600); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(homes[i], "config", "ledger.pub"), []byte(vkey+"\n"), 0o644); err != nil {
			return nil, err
		}
		if i < validators {
			pub, err := pv.GetPubKey()
			if err != nil {
				return nil, err
			}
			genVals = append(genVals, types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 1, Name: fmt.Sprintf("node%d", i)})
		}
	}
	params := types.DefaultConsensusParams()
	// Blocks of at most 1 MB (about 250 ballots and their credentials): every validator checks
	// a block well within the proposal timeout, and blocks follow each
	// other instead of one huge block waiting on rounds.
	params.Block.MaxBytes = 1 << 20
	params.Evidence.MaxBytes = 64 << 10
	gen := &types.GenesisDoc{ChainID: chainID, GenesisTime: cmttime.Now(), ConsensusParams: params,
		InitialHeight: 1, Validators: genVals}
	for i, home := range homes {
		c := nodeConfig(home, basePort+10*i)
		if err := gen.SaveAs(c.GenesisFile()); err != nil {
			return nil, err
		}
		var others []string
		for j, p := range peers {
			if j != i {
				others = append(others, p)
			}
		}
		c.P2P.PersistentPeers = strings.Join(others, ",")
		cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
	}
	return homes, nil
}

// nodeConfig is the configuration of a node of urna's network: blocks as
// soon as entries wait (no empty blocks), 100 ms apart at least.
func nodeConfig(home string, port int) *cfg.Config {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	c.Moniker = filepath.Base(home)
	c.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", port)
	c.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", port+1)
	c.P2P.AddrBookStrict = false
	c.P2P.AllowDuplicateIP = true
	c.P2P.PexReactor = false
	c.P2P.SendRate = 100 << 20 // bytes a second to each peer (default 5 MB/s): ballots are 2 KB each
	c.P2P.RecvRate = 100 << 20
	c.Consensus.TimeoutPropose = 3 * time.Second
	c.Consensus.TimeoutCommit = 100 * time.Millisecond
	c.Consensus.SkipTimeoutCommit = true // go on as soon as every validator precommitted
	c.Consensus.PeerGossipSleepDuration = 10 * time.Millisecond
	c.Consensus.CreateEmptyBlocks = false
	c.Mempool.Size = 20000
	c.Mempool.Recheck = false // CheckTx only decodes: the state cannot make a waiting entry undecodable
	c.Mempool.MaxTxsBytes = 256 << 20
	c.Instrumentation.Prometheus = false
	c.TxIndex.Indexer = "null" // the application keeps the entries; and a stopped node then releases every database
	c.LogLevel = "error"
	return c
}

// dbProvider opens a node's databases. Tests that stop and restart nodes
// inside one process replace it: a stopped CometBFT node may still read
// its block store from a peer routine for a moment after closing it.
var dbProvider cfg.DBProvider = cfg.DefaultDBProvider

// A Node is a running CometBFT node with urna's application in-process.
type Node struct {
	*node.Node
	App *App
}

// Start starts the node of home with a fresh application (CometBFT replays
// the blocks it stored into it).
func Start(home string, logger cmtlog.Logger) (*Node, error) {
	app := NewApp()
	if skey, err := os.ReadFile(filepath.Join(home, "config", "ledger.key")); err == nil {
		signer, err := ledger.NewSigner(string(skey))
		if err != nil {
			return nil, err
		}
		app.SignWith(signer)
	}
	n, err := StartWith(home, app, logger)
	if err != nil {
		return nil, err
	}
	return &Node{Node: n, App: app}, nil
}

// StartWith starts the node of home with the given application (a test
// wraps App to play a faulty validator).
func StartWith(home string, app abci.Application, logger cmtlog.Logger) (*node.Node, error) {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	if err := readConfig(c); err != nil {
		return nil, err
	}
	key, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = cmtlog.NewNopLogger()
	}
	n, err := node.NewNode(c, privval.LoadOrGenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile()), key,
		proxy.NewConnSyncLocalClientCreator(app), node.DefaultGenesisDocProviderFunc(c), dbProvider,
		node.DefaultMetricsProvider(c.Instrumentation), logger)
	if err != nil {
		return nil, err
	}
	if err := n.Start(); err != nil {
		return nil, err
	}
	return n, nil
}

// StartAll starts the nodes of homes (as Testnet wrote them); on an error
// it stops those it started.
func StartAll(homes []string, logger cmtlog.Logger) ([]*Node, error) {
	var nodes []*Node
	for _, h := range homes {
		n, err := Start(h, logger)
		if err != nil {
			for _, started := range nodes {
				started.Stop()
			}
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// Stop stops the node and waits for it.
func (n *Node) Stop() error {
	if err := n.Node.Stop(); err != nil {
		return err
	}
	n.Node.Wait()
	return nil
}

// readConfig reads home's config/config.toml into c, as CometBFT's own
// commands do.
func readConfig(c *cfg.Config) error {
	v := viper.New()
	v.SetConfigFile(filepath.Join(c.RootDir, "config", "config.toml"))
	if err := v.ReadInConfig(); err != nil {
		return fmt.Errorf("chain: %w", err)
	}
	if err := v.Unmarshal(c); err != nil {
		return fmt.Errorf("chain: %w", err)
	}
	c.SetRoot(c.RootDir)
	return c.ValidateBasic()
}

// FreeBasePort finds a base port for Testnet whose nodes' ports are all
// free now. It looks below the kernel's ephemeral range (32768 and up on
// Linux), where outgoing connections of other processes cannot take a
// node's port between this check and the node's start, and starts at a
// random place so that networks set up side by side do not meet.
func FreeBasePort(nodes int) (int, error) {
	const lo, hi = 20000, 32000
	span := 10 * nodes
	for try := 0; try < 200; try++ {
		base := lo + 10*mrand.IntN((hi-lo-span)/10)
		if portsFree(base, nodes) {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no free ports for %d nodes between %d and %d", nodes, lo, hi)
}

func portsFree(base, nodes int) bool {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < nodes; i++ {
		for _, p := range []int{base + 10*i, base + 10*i + 1} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				return false
			}
			ls = append(ls, l)
		}
	}
	return true
}
