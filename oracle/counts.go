package oracle

import (
	"github.com/pidcheck/pidcheck/model"
)

// KindCount is how many compared ops of one kind were sent to the kernel
// and how many the oracle answered itself (see the package doc, "Answers
// the oracle gives itself").
type KindCount struct {
	Kind   string // the op's name; "fork_tid" for a fork with set_tid
	Kernel int
	Self   int
}

// Counts tallies compared ops by kind.
type Counts struct {
	n [256][2]int // by model.Kind: sent to the kernel, answered by the oracle
}

// Add counts the ops of a report.
func (c *Counts) Add(r Report) {
	for _, o := range r.Ops {
		i := 0
		if o.Note != "" {
			i = 1
		}
		c.n[o.Op.Kind][i]++
	}
}

// KindName is the name Counts gives a kind: its op name, "fork_tid" for
// ForkWithTid (which prints as "fork" too).
func KindName(k model.Kind) string {
	if k == model.ForkWithTid {
		return "fork_tid"
	}
	return k.String()
}

// Kinds lists the kinds that occurred, in model.Kinds order.
func (c *Counts) Kinds() []KindCount {
	var out []KindCount
	for _, k := range model.Kinds() {
		if x := c.n[k]; x[0]+x[1] > 0 {
			out = append(out, KindCount{Kind: KindName(k), Kernel: x[0], Self: x[1]})
		}
	}
	return out
}
