// Package browsertest drives Debian's Chromium, headless, over the
// DevTools protocol (chromedp) for the tests of the portal and the
// dashboards. .ci/run installs Chromium and sets URNA_REQUIRE_BROWSER=1,
// so there a missing browser fails a test; elsewhere the test is skipped.
// Each page a test photographs is checked with axe-core's WCAG 2.1 A and
// AA rules when $URNA_AXE names axe.min.js. Screenshots, at phone and
// desktop widths, go to $URNA_ARTIFACTS/screenshots (default: the
// system's temporary folder).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("URNA_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium found, and URNA_REQUIRE_BROWSER is set")
	}
	t.Skip("no Chromium found (apt-get install chromium); .ci/run installs it")
	return ""
}

// browser starts a headless Chromium for the test.
// Start starts a headless Chromium for the test and returns a tab that
// saves screenshots (and runs the accessibility checks) into the artefacts
// folder.
func Start(t *testing.T, base string) *Tab {
	t.Helper()
	return &Tab{T: t, ctx: browser(t), URL: base, Dir: screenshotDir(t)}
}

func browser(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatal(err)
	}
	return ctx
}

// Tab runs browser steps with a time limit, failing the test with what
// the page shows when one does not complete.
type Tab struct {
	T   *testing.T
	ctx context.Context
	URL string
	Dir string // screenshots
}

func (b *Tab) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.location.href + "\n" + document.body.innerText`))
		b.T.Fatalf("browser: %v\nthe page:\n%s", err, body)
	}
}

func (b *Tab) Text(sel string) string {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.T.Fatalf("browser: text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *Tab) Eval(js string) string {
	b.T.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.T.Fatalf("browser: %s: %v", js, err)
	}
	return s
}

// shot saves the page at phone and desktop widths.
func (b *Tab) Shot(name string) {
	b.T.Helper()
	for _, v := range []struct {
		width, height int64
		kind          string
	}{{390, 844, "phone"}, {1280, 900, "desktop"}} {
		var png []byte
		b.Do(chromedp.EmulateViewport(v.width, v.height), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			var err error
			png, err = chromedp.FullScreenshot(100)(ctx, t)
			return err
		}))
		if err := os.WriteFile(filepath.Join(b.Dir, name+"-"+v.kind+".png"), png, 0o644); err != nil {
			b.T.Fatal(err)
		}
		b.accessible(name + " (" + v.kind + ")")
	}
}

// axeSource is axe-core, the accessibility checker, when $URNA_AXE names
// its axe.min.js (.ci/run installs it with npm).
var axeSource = func() string {
	b, _ := os.ReadFile(os.Getenv("URNA_AXE"))
	return string(b)
}()

// accessible runs axe-core's WCAG 2.1 A and AA rules on the page as shown
// and fails the test on any violation.
func (b *Tab) accessible(name string) {
	b.T.Helper()
	if axeSource == "" {
		if os.Getenv("URNA_REQUIRE_BROWSER") != "" {
			b.T.Fatal("URNA_AXE does not name axe-core's axe.min.js")
		}
		return
	}
	if b.Eval(`typeof axe`) == "undefined" {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axeSource+";undefined")); err != nil {
			b.T.Fatalf("loading axe-core: %v", err)
		}
	}
	got := b.Eval(`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(function (r) {
		return r.violations.map(function (v) {
			return v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', ');
		}).join('\n');
	})`)
	if got != "" {
		b.T.Errorf("%s: WCAG 2.1 AA violations:\n%s", name, got)
	}
}

func screenshotDir(t testing.TB) string {
	base := os.Getenv("URNA_ARTIFACTS")
	if base == "" {
		base = filepath.Join(os.TempDir(), "urna-artifacts")
	}
	dir := filepath.Join(base, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// Await waits until the element sel (a CSS selector) is in the document
// and shown, across a navigation: after a click or a form that loads
// another page, DevTools node queries begun on the old page can hang, so
// this asks the page afresh, again and again.
func (b *Tab) Await(sel string) {
	b.T.Helper()
	js := `(function () { var el = document.querySelector(` + strconv.Quote(sel) + `);
		return document.readyState === 'complete' && !!el && el.getClientRects().length > 0; })()`
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.location.href + "\n" + document.body.innerText`))
			b.T.Fatalf("browser: %s did not appear in 60 s (%v)\nthe page:\n%s", sel, err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
