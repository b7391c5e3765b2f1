package checker

import (
	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/checker/sched"
)

// NewRapidChooser returns a chooser that draws every decision with more
// than one runnable thread from t ("thread", an index into the runnable
// threads with the previous step's thread first), so rapid shrinks an
// interleaving together with the operations: toward fewer steps and fewer
// preemptions.
func NewRapidChooser(t *rapid.T) sched.Chooser {
	return sched.NewDrawing(func(n int) int { return rapid.IntRange(0, n-1).Draw(t, "thread") })
}
