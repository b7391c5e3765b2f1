// Package frees is the protocol that makes a bitmap allocator's EAGAIN
// exact: frees count themselves before and after they clear their bit, and
// an allocation whose scan found every bit set believes "full" only after a
// rescan during which no free began. A scan reads the map one word at a
// time, so without this a free behind the scan and a claim ahead of it
// give EAGAIN although a number was free at every instant. Used by
// alloc/pidmap and alloc/lockfree (their doc.go files give the argument).
package frees

import "github.com/pidcheck/pidcheck/checker/sched"

// Counter counts frees: begun before a free clears its bit, done after.
type Counter struct {
	env         sched.Env
	begun, done sched.Int64
}

// New makes the two counters ("frees.begun", "frees.done") on env.
func New(env sched.Env) *Counter {
	return &Counter{env: env, begun: env.NewInt64("frees.begun", 0), done: env.NewInt64("frees.done", 0)}
}

// Free runs clear (which clears one bit and returns the word as it was)
// between the two counts, and returns what clear returned.
func (c *Counter) Free(clear func() int64) int64 {
	c.begun.Add(1)
	old := clear()
	c.done.Add(1)
	return old
}

// Exact is called after scan (which claims a number and returns it, or a
// value ≤ 0 when it saw every bit set) found nothing. It waits until no
// free is in flight, scans again, and returns scan's number, or none (the
// value ≤ 0 scan returned) only when no free began during that scan: then
// the map was full at one instant within the call.
func (c *Counter) Exact(scan func() int) int {
	for {
		c.env.WaitUntil("frees settled", func() bool {
			return c.done.Load() == c.begun.Load()
		})
		done := c.done.Load()
		begun := c.begun.Load()
		if begun != done {
			continue // a free began after the wait
		}
		n := scan()
		if n > 0 || c.begun.Load() == begun {
			return n // claimed, or no bit was cleared since begun was read: full here
		}
	}
}
