package checker

import (
	"regexp"
	"strconv"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/model"
)

// needsPidMax finds a zoo variant's stated need for a bigger space in its
// Bug line: "… (needs pid_max > 64)".
var needsPidMax = regexp.MustCompile(`needs pid_max > (\d+)`)

// ParamsFor returns the parameters exploration uses for e by default:
// model.SmallParams, unless e's Bug line says "needs pid_max > N", in which
// case pid_max is N+2 (for N = 64: a bitmap of two 64-bit words, the second one barely used), so that
// the variant's bug can show at all.
func ParamsFor(e alloc.Entry) model.Params {
	p := model.SmallParams()
	if m := needsPidMax.FindStringSubmatch(e.Bug); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 && n < 1<<20 {
			p.PidMax = n + 2
		}
	}
	return p
}

// DefaultOptions are the options pidcheck explores e with when told
// nothing else: ParamsFor(e), the pct strategy (PCT over contested
// decisions: the best median on the zoo), 1000 schedules.
func DefaultOptions(e alloc.Entry) Options {
	return Options{Params: ParamsFor(e), Strategy: "pct"}
}
