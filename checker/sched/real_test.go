package sched

import (
	"strings"
	"testing"
)

func TestRealCounter(t *testing.T) {
	var got int32
	err := RunReal(func(env Env) {
		mu := env.NewMutex("mu")
		n := env.NewInt32("n", 0)
		plain := 0
		done := env.NewInt32("done", 0)
		for i := 0; i < 4; i++ {
			env.Go("T", func() {
				for j := 0; j < 100; j++ {
					mu.Lock()
					plain++
					mu.Unlock()
					n.Add(1)
				}
				done.Add(1)
			})
		}
		env.WaitUntil("threads done", func() bool { return done.Load() == 4 })
		mu.Lock()
		if plain != 400 {
			panic("plain counter lost updates under a mutex")
		}
		mu.Unlock()
		got = n.Load()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != 400 {
		t.Fatalf("counter = %d, want 400", got)
	}
}

func TestRealPanicIsError(t *testing.T) {
	err := RunReal(func(env Env) {
		never := env.NewInt32("never", 0)
		env.Go("A", func() { panic("boom") })
		env.WaitUntil("never", func() bool { return never.Load() == 1 })
	})
	if err == nil || !strings.Contains(err.Error(), "thread A panicked: boom") {
		t.Fatalf("RunReal = %v, want thread A's panic", err)
	}
}

func TestRealCond(t *testing.T) {
	err := RunReal(func(env Env) {
		mu := env.NewMutex("mu")
		c := env.NewCond("c", mu)
		ready := false
		env.Go("A", func() {
			mu.Lock()
			ready = true
			c.Broadcast()
			mu.Unlock()
		})
		mu.Lock()
		for !ready {
			c.Wait()
		}
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
}
