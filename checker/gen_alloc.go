package checker

import (
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// allocKinds are the kinds of parallel-part ops, in the order of genAlloc's
// weights.
var allocKinds = []model.Kind{model.Alloc, model.Free, model.AllocAt, model.SetCursor, model.SetMax, model.Disable}

// genAlloc builds an allocator-level scenario: an init part that takes some
// numbers, leaves holes and moves the cursor; threads that allocate, free
// (favouring numbers probably taken), take exact numbers, move the cursor,
// lower the limit and, rarely, disable. The drain (allocate until nothing is
// left) is decided at run time.
func genAlloc(src Source, o GenOptions) model.Scenario {
	p := o.Params
	sc := model.Scenario{Level: model.AllocLevel, Params: p}

	// Init.
	if chance(src, 1, 3, "start near wrap") && o.allows(model.SetCursor) {
		sc.Init = append(sc.Init, model.Op{Kind: model.SetCursor,
			N: pick(src, []int{p.PidMax - 2, p.PidMax - 3, p.Floor - 1, p.Floor}, "cursor")})
	}
	// With a big space, sometimes fill it up to a few free numbers: the
	// bugs of word-by-word bitmap scans need a nearly full map. Not a
	// space above maxDrainAllocs: its fill would hold too many ops for the
	// scheduler's step bound (a false step-bound violation) and for a trace.
	nalloc := src.IntRange(0, 5, "init allocs")
	fill := p.PidMax > 40 && p.PidMax <= maxDrainAllocs && chance(src, 1, 2, "fill")
	if fill {
		nalloc = p.PidMax - 1 - src.IntRange(1, 2, "left free")
	}
	sc.Init = slices.Grow(sc.Init, nalloc+2) // the allocs, a set_cursor and a free
	for i := 0; i < nalloc; i++ {
		sc.Init = append(sc.Init, model.Op{Kind: model.Alloc})
	}
	var taken []int
	if o.Oracle != nil && len(sc.Init) > 0 {
		for i, r := range o.Oracle(sc.Init) {
			if sc.Init[i].Kind == model.Alloc && r.Err == model.OK {
				taken = append(taken, r.N)
			}
		}
	} else {
		for i := 1; i <= nalloc; i++ {
			taken = append(taken, i)
		}
	}
	if fill && chance(src, 1, 2, "rewind") && o.allows(model.SetCursor) {
		// The next scan starts at 1 and reads the whole map once.
		sc.Init = append(sc.Init, model.Op{Kind: model.SetCursor, N: 0})
	}
	if !fill && len(taken) > 0 && chance(src, 1, 2, "hole") {
		n := pick(src, taken, "hole")
		sc.Init = append(sc.Init, model.Op{Kind: model.Free, N: n})
		taken = slices.DeleteFunc(taken, func(x int) bool { return x == n })
	}
	// Numbers known free after the init part (when the space is nearly
	// full, these are what alloc_at should aim at).
	var holes []int
	if len(taken) > p.PidMax/2 {
		for n := 1; n < p.PidMax; n++ {
			if !slices.Contains(taken, n) {
				holes = append(holes, n)
			}
		}
	}
	nums := interesting(p, taken)
	// Numbers the threads probably allocate: right after the last one taken.
	next := 1
	if len(taken) > 0 {
		next = taken[len(taken)-1] + 1
	}
	likely := append(append([]int(nil), taken...), next, next+1, next+2)

	// Parallel part.
	nthreads := src.IntRange(min(2, o.Threads), o.Threads, "threads")
	sc.Threads = make([][]model.Op, nthreads)
	for i := range sc.Threads {
		nops := src.IntRange(1, o.Ops, "ops")
		sc.Threads[i] = make([]model.Op, 0, nops)
		for j := 0; j < nops; j++ {
			var op model.Op
			w := []int{30, 20, 8, 6, 5, 1}
			if len(holes) > 0 {
				w = []int{30, 25, 25, 3, 3, 1} // nearly full: race frees and alloc_ats against scans
			}
			for k, kind := range allocKinds {
				if !o.allows(kind) {
					w[k] = 0
				}
			}
			switch weighted(src, w, "kind") {
			case 0:
				op = model.Op{Kind: model.Alloc}
			case 1:
				op = model.Op{Kind: model.Free, N: pick(src, likely, "free")}
				if chance(src, 1, 6, "free any") {
					op.N = pick(src, nums, "free")
				}
			case 2:
				op = model.Op{Kind: model.AllocAt, N: pick(src, nums, "at")}
				if len(holes) > 0 && chance(src, 1, 2, "at a hole") {
					op.N = pick(src, holes, "at")
				}
			case 3:
				op = model.Op{Kind: model.SetCursor, N: pick(src, nums, "cursor")}
			case 4:
				op = model.Op{Kind: model.SetMax, N: pick(src, nums, "max")}
				if chance(src, 1, 3, "raise") {
					op.N = p.PidMax
				}
			case 5:
				op = model.Op{Kind: model.Disable}
			}
			sc.Threads[i] = append(sc.Threads[i], op)
		}
	}
	return sc
}
