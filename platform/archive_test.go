package platform_test

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/archive"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
)

// The platform archives an election by itself once the whole commission
// has signed its result, and purges the archive when its period
// (Config.ArchiveKeep) has ended; the operator archives an open one.
func TestPlatformArchives(t *testing.T) {
	ctx := context.Background()
	var off atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(off.Load())) }
	data := t.TempDir()
	p, err := platform.Open(ctx, platform.Config{Data: data, SMS: notify.NewOutbox(4), Now: now, ArchiveKeep: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := demo.Setup(ctx, p, demo.Options{Voters: 1, Guardians: 3, Threshold: 2}); err != nil {
		t.Fatal(err)
	}
	a, err := p.Archive()
	if err != nil {
		t.Fatal(err)
	}
	if a.Keep() != 30*24*time.Hour {
		t.Fatalf("keep %v", a.Keep())
	}
	if _, err := p.ArchiveElection(ctx, "demo-moscow"); err != nil {
		t.Fatalf("the operator archiving an open election: %v", err)
	}
	if _, err := p.ArchiveElection(ctx, "no-such"); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("archiving an unknown election: %v", err)
	}

	e, _ := p.Election("demo-park")
	keys, err := demo.LoadKeys(data, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	off.Store(int64(8 * 24 * time.Hour))
	if err := keys.Count(ctx, e.Box); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, err := a.Get(e.ID); return err == nil })
	rec, _ := a.Get(e.ID)
	if !rec.Signed {
		t.Errorf("record %+v", rec)
	}
	if _, err := os.Stat(a.Path(e.ID)); err != nil {
		t.Fatal(err)
	}

	// A month and a day later both archives are purged.
	off.Add(int64(31 * 24 * time.Hour))
	waitFor(t, func() bool {
		_, err1 := a.Get(e.ID)
		_, err2 := a.Get("demo-moscow")
		return errors.Is(err1, archive.ErrNotFound) && errors.Is(err2, archive.ErrNotFound)
	})
	if _, err := os.Stat(a.Path(e.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the purged archive's file: %v", err)
	}
}

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
