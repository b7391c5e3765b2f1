package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/traces"
)

// browser is a headless Chromium (Debian's chromium package), or "" when
// none is installed.
func browser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// probe runs in the page after it is drawn (and after pidcheck's fixes)
// and writes what a person would see into <pre id="probe"> as JSON.
const probe = `<script>
setTimeout(function () {
  const svg = document.querySelector('#canvas svg')
  const labels = [...svg.querySelector('g').children].filter(e => e.tagName === 'text').map(t => t.textContent)
  let first = null
  for (const l of document.querySelectorAll('line.linearization-invalid')) {
    if (l.parentElement.classList.contains('hidden')) continue
    if (first === null || Number(l.getAttribute('x1')) < Number(first.getAttribute('x1'))) first = l
  }
  const r = first ? first.getBoundingClientRect() : {left: -1}
  // A tooltip with three lines is three lines tall, not one.
  const tip = document.querySelector('.tooltip')
  tip.style.display = 'block'
  tip.textContent = 'one'
  const h1 = tip.getBoundingClientRect().height
  tip.textContent = 'one\ntwo\nthree'
  const h3 = tip.getBoundingClientRect().height
  tip.style.display = 'none'
  const out = {labels, scrollX: window.scrollX, innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth, firstErrorLeft: r.left,
    selected: document.querySelectorAll('.selected').length, h1, h3}
  const pre = document.createElement('pre')
  pre.id = 'probe'
  pre.textContent = JSON.stringify(out)
  document.body.appendChild(pre)
}, 500)
</script>
`

// TestReplayHTMLInABrowser: replay --html's page of a long failing history
// (a violation as found, before shrinking), opened in a real headless
// browser: the history rows carry the thread names the scheduler rows
// use (main, A, B — not porcupine's 0, 1, 2), a tooltip keeps its line
// breaks, and a window narrower than the history opens scrolled to the
// first failing op, selected. A screenshot is written to
// $PIDCHECK_ARTIFACTS (or the test's temporary directory). Skipped where
// no browser is installed.
func TestReplayHTMLInABrowser(t *testing.T) {
	chrome := browser()
	if chrome == "" {
		t.Skip("no headless browser (apt-get install chromium)")
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e, err := alloc.Lookup("pidmap-nonatomic-claim")
	if err != nil {
		t.Fatal(err)
	}
	o := catalog.Options(e)
	o.Strategy, o.Seed, o.Schedules = checker.PCT, 1, 2000
	o.Gen.Ops = 8
	rep, err := checker.Explore(catalog.Target(e), o)
	if err != nil {
		t.Fatal(err)
	}
	found := rep.Original
	if found == nil {
		found = rep.Found
	}
	if found == nil {
		t.Fatalf("no violation in %d schedules", rep.Schedules)
	}
	dir := t.TempDir()
	tr := filepath.Join(dir, "long.trace")
	if err := traces.WriteFile(tr, found.Trace()); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "long.html")
	var out, errOut bytes.Buffer
	if st := Main([]string{"replay", tr, "--html", page}, nil, &out, &errOut); st != exitViolation {
		t.Fatalf("replay --html: status %d\n%s%s", st, out.String(), errOut.String())
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	// The scheduler's details are one decision a line.
	if !regexp.MustCompile(`"Details":"#\d+ [^"]*\\n#\d+ `).Match(html) {
		t.Fatalf("no annotation with two decisions on two lines in the page")
	}
	i := bytes.LastIndex(html, []byte("</body>"))
	probed := filepath.Join(dir, "probed.html")
	if err := os.WriteFile(probed, append(append(append([]byte{}, html[:i]...), probe...), html[i:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
			"--user-data-dir=" + filepath.Join(dir, "profile"), "--virtual-time-budget=5000"}, args...)
		cmd := exec.CommandContext(ctx, chrome, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", chrome, err, stderr.String())
		}
		return stdout.Bytes()
	}

	dom := run("--window-size=600,500", "--dump-dom", "file://"+probed)
	m := regexp.MustCompile(`<pre id="probe">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe did not run:\n%.2000s", dom)
	}
	var got struct {
		Labels              []string
		ScrollX, InnerWidth float64
		ScrollWidth         float64
		FirstErrorLeft      float64
		Selected            int
		H1, H3              float64
	}
	unescaped := strings.NewReplacer("&gt;", ">", "&lt;", "<", "&amp;", "&", "&quot;", `"`).Replace(string(m[1]))
	if err := json.Unmarshal([]byte(unescaped), &got); err != nil {
		t.Fatalf("probe %s: %v", unescaped, err)
	}
	t.Logf("browser saw %+v", got)
	threads := len(found.Scenario.Threads)
	if len(got.Labels) < threads+1 || got.Labels[0] != "main" || got.Labels[1] != "A" {
		t.Fatalf("row labels %q: want main, A, … first", got.Labels)
	}
	for _, l := range got.Labels {
		if regexp.MustCompile(`^[0-9]+$`).MatchString(l) {
			t.Fatalf("row labels %q: a row is still labelled by its porcupine ClientId", got.Labels)
		}
		if strings.HasPrefix(l, "sched ") && !strings.Contains(strings.Join(got.Labels, " "), strings.TrimPrefix(l, "sched ")+" ") {
			t.Errorf("scheduler row %q has no history row of the same name in %q", l, got.Labels)
		}
	}
	if got.ScrollWidth <= got.InnerWidth {
		t.Fatalf("the history (%v px) fits the window (%v px): not long enough to test scrolling", got.ScrollWidth, got.InnerWidth)
	}
	if got.ScrollX <= 0 || got.FirstErrorLeft < 0 || got.FirstErrorLeft > got.InnerWidth {
		t.Fatalf("opened at x=%v: the first failing op is at %v in a window %v wide", got.ScrollX, got.FirstErrorLeft, got.InnerWidth)
	}
	if got.Selected != 1 {
		t.Fatalf("%d ops selected on opening, want the failing one", got.Selected)
	}
	if got.H3 < 1.8*got.H1 {
		t.Fatalf("a three-line tooltip is %v px tall, a one-line one %v: line breaks folded", got.H3, got.H1)
	}

	// The screenshot, of the whole history (headless Chromium paints a
	// scrolled page wrongly, so the window is as wide as the page).
	shots := os.Getenv("PIDCHECK_ARTIFACTS")
	if shots == "" {
		shots = dir
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(shots, "replay-html.png")
	run("--window-size="+strings.TrimSuffix(strings.TrimSuffix(jsonNumber(got.ScrollWidth+40), ".0"), ".")+",700", "--screenshot="+shot, "file://"+page)
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 10000 {
		t.Fatalf("screenshot %s: %v (%v)", shot, err, fi)
	}
	t.Logf("screenshot: %s", shot)
}

// jsonNumber formats a whole number of pixels.
func jsonNumber(f float64) string {
	b, _ := json.Marshal(int(f))
	return string(b)
}
