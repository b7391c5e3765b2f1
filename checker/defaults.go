package checker

import (
	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/model"
)

// ParamsFor returns the parameters exploration uses for e by default:
// model.SmallParams, with pid_max raised to e.PidMax when the entry sets
// one (a zoo variant whose bug needs a bigger space to show at all, such as
// a bitmap of two words).
func ParamsFor(e alloc.Entry) model.Params {
	p := model.SmallParams()
	if e.PidMax > 0 {
		p.PidMax = e.PidMax
	}
	return p
}

// DefaultOptions are the options pidcheck explores e with when told
// nothing else: ParamsFor(e), the pct strategy (PCT over contested
// decisions: the best median on the zoo), 1000 schedules.
func DefaultOptions(e alloc.Entry) Options {
	return Options{Params: ParamsFor(e), Strategy: "pct"}
}
