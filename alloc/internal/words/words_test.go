package words

import (
	"sync"
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
)

// countingEnv counts the objects made and their names, in order.
type countingEnv struct {
	*sched.RealEnv
	mu    sync.Mutex
	names []string
}

func (e *countingEnv) NewInt64(name string, v int64) sched.Int64 {
	e.mu.Lock()
	e.names = append(e.names, name)
	e.mu.Unlock()
	return e.RealEnv.NewInt64(name, v)
}

func TestEagerWordsFirstOthersOnUse(t *testing.T) {
	e := &countingEnv{RealEnv: sched.NewRealEnv()}
	w := New(e, "pidmap", 65536)
	if w.Len() != 65536 {
		t.Fatalf("Len %d, want 65536", w.Len())
	}
	if len(e.names) != Eager || e.names[0] != "pidmap[0]" || e.names[Eager-1] != "pidmap[15]" {
		t.Fatalf("made at construction: %v, want pidmap[0] … pidmap[15]", e.names)
	}
	a := w.At(40000)
	a.Store(7)
	if b := w.At(40000); b.Load() != 7 {
		t.Fatalf("word 40000 made twice: %d", b.Load())
	}
	if w.At(3) != w.At(3) {
		t.Fatal("an eager word is not the same object twice")
	}
	if len(e.names) != Eager+1 || e.names[Eager] != "pidmap[40000]" {
		t.Fatalf("after using word 40000: %v", e.names[Eager:])
	}
	small := New(e, "bitmap", 2)
	if small.Len() != 2 || len(e.names) != Eager+3 {
		t.Fatalf("a two-word map made %d objects", len(e.names)-Eager-1)
	}
}

// Goroutines of the pass-through Env that use one late word at once share
// it (run with -race).
func TestLateWordSharedAcrossGoroutines(t *testing.T) {
	w := New(sched.NewRealEnv(), "bitmap", 1024)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() { w.At(500).Or(1 << g) })
	}
	wg.Wait()
	if got := w.At(500).Load(); got != 0xff {
		t.Fatalf("word 500 = %#x, want 0xff: a goroutine's bit went to another object", got)
	}
}
