package model

// Scenario is what one run executes: a sequential init part that builds
// spaces and tasks, a parallel part (one op list per thread, the threads
// running concurrently), and a sequential post part that drains what is
// left. Every op is at the scenario's level.
type Scenario struct {
	Level   Level
	Params  Params
	Init    []Op
	Threads [][]Op
	Post    []Op
}

// Ops returns the number of ops in all three parts.
func (s Scenario) Ops() int {
	n := len(s.Init) + len(s.Post)
	for _, t := range s.Threads {
		n += len(t)
	}
	return n
}

// Clone returns a deep copy, so shrinking can edit it freely.
func (s Scenario) Clone() Scenario {
	c := s
	c.Init = cloneOps(s.Init)
	c.Post = cloneOps(s.Post)
	c.Threads = make([][]Op, len(s.Threads))
	for i, t := range s.Threads {
		c.Threads[i] = cloneOps(t)
	}
	return c
}

func cloneOps(ops []Op) []Op {
	if ops == nil {
		return nil
	}
	out := make([]Op, len(ops))
	for i, op := range ops {
		out[i] = op
		if op.Tids != nil {
			out[i].Tids = append([]int(nil), op.Tids...)
		}
	}
	return out
}

// ThreadName is how thread i of the parallel part is named in traces and
// interleavings: A, B, C, … (letters, so they never read as task handles).
// The sequential parts run on thread "main".
func ThreadName(i int) string {
	if i < 0 {
		return "main"
	}
	if i < 26 {
		return string(rune('A' + i))
	}
	return "A" + ThreadName(i-26)
}
