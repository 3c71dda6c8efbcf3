package chain

import (
	"path/filepath"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
)

// Nodes stopped and started again in one test process keep their
// databases open across the restart, as a process that exits keeps its
// files: CometBFT's peer routines may still read a stopped node's block
// store for a moment, and would find it closed.
func init() {
	var mu sync.Mutex
	open := map[string]dbm.DB{}
	dbProvider = func(ctx *cfg.DBContext) (dbm.DB, error) {
		mu.Lock()
		defer mu.Unlock()
		path := filepath.Join(ctx.Config.DBDir(), ctx.ID)
		if db, ok := open[path]; ok {
			return db, nil
		}
		db, err := cfg.DefaultDBProvider(ctx)
		if err != nil {
			return nil, err
		}
		open[path] = keptOpen{db}
		return open[path], nil
	}
}

// keptOpen is a database whose Close does nothing.
type keptOpen struct{ dbm.DB }

func (keptOpen) Close() error { return nil }
