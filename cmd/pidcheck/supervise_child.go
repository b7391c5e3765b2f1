package main

import (
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/pidcheck/pidcheck/checker"
)

// reporter is the supervised child's side. Before each schedule the
// child records what it runs in a slot of a file it shares with the parent
// (fd 4, mapped in memory: a few stores per schedule, no system call), one
// slot per entry and worker; the parent reads the slots after a death. As
// its last act the child writes its exit status on fd 3, one line:
//
//	r {"status":N}
type reporter struct {
	f     *os.File // fd 3: the status
	shm   *os.File // fd 4: the slots
	slots []byte   // shm mapped; nil when it could not be
	per   int      // slots per entry: the workers of one exploration
}

// A slot is slotWords little-endian (native) words: its state, the
// entry, the worker, the scenario, the schedule, the seed and how many
// schedules the worker started. The state is stored last.
const (
	slotWords              = 8
	slotSize               = 8 * slotWords
	slotIdle, slotRunning  = 0, 1
	slotEnded              = 2
	slotShrinking          = 3 // the violation found in it is being shrunk, its trace saved
	slotShrinkingUnsaved   = 4 // the same, its trace could not be saved
	wState, wEntry, wWork  = 0, 1, 2
	wScenario, wSched, wSd = 3, 4, 5
	wCount                 = 6
)

// childReporter is the reporter of a supervised child, nil in any other
// process.
func childReporter() (*reporter, error) {
	v := os.Getenv(envChildFD)
	if v == "" {
		return nil, nil
	}
	os.Unsetenv(envChildFD) // a pidcheck the code under test runs is no child of ours
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("%s=%q: internal to pidcheck, leave it unset", envChildFD, v)
	}
	return &reporter{f: os.NewFile(uintptr(fd), "pidcheck-status"), shm: os.NewFile(uintptr(fd+1), "pidcheck-slots")}, nil
}

// setup sizes and maps the slots for entries explorations of workers
// workers each. Without them the child still runs and reports its status;
// a death is then reported without what was running.
func (r *reporter) setup(entries, workers int) error {
	if r == nil {
		return nil
	}
	size := entries * workers * slotSize
	if size == 0 {
		return nil
	}
	if err := r.shm.Truncate(int64(size)); err != nil {
		return err
	}
	b, err := mapShared(r.shm, size)
	if err != nil {
		return err
	}
	r.slots, r.per = b, workers
	return nil
}

// word is word i of slot n.
func (r *reporter) word(n, i int) *uint64 {
	return (*uint64)(unsafe.Pointer(&r.slots[n*slotSize+8*i]))
}

// onSchedule is the ExploreOptions.OnSchedule of entry k: nil outside a
// supervised child.
func (r *reporter) onSchedule(k int) func(checker.ScheduleStart) {
	if r == nil || r.slots == nil {
		return nil
	}
	return func(s checker.ScheduleStart) {
		if s.Worker < 0 || s.Worker >= r.per {
			return
		}
		n := k*r.per + s.Worker
		atomic.StoreUint64(r.word(n, wState), slotIdle)
		atomic.StoreUint64(r.word(n, wEntry), uint64(k))
		atomic.StoreUint64(r.word(n, wWork), uint64(s.Worker))
		atomic.StoreUint64(r.word(n, wScenario), uint64(s.Scenario))
		atomic.StoreUint64(r.word(n, wSched), uint64(s.Schedule))
		atomic.StoreUint64(r.word(n, wSd), s.Seed)
		atomic.AddUint64(r.word(n, wCount), 1)
		atomic.StoreUint64(r.word(n, wState), slotRunning)
	}
}

// shrinking records that entry k's exploration is over and that the
// violation it found in the schedule of seed is being shrunk; saved: its
// trace as found is written.
func (r *reporter) shrinking(k int, seed uint64, saved bool) {
	if r == nil || r.slots == nil {
		return
	}
	state := uint64(slotShrinkingUnsaved)
	if saved {
		state = slotShrinking
	}
	for w := range r.per {
		n := k*r.per + w
		if atomic.LoadUint64(r.word(n, wState)) == slotRunning && atomic.LoadUint64(r.word(n, wSd)) == seed {
			atomic.StoreUint64(r.word(n, wState), state)
		} else {
			atomic.StoreUint64(r.word(n, wState), slotEnded)
		}
	}
}

// ended records that entry k's exploration is over (shrinking included).
func (r *reporter) ended(k int) {
	if r == nil || r.slots == nil {
		return
	}
	for w := range r.per {
		atomic.StoreUint64(r.word(k*r.per+w, wState), slotEnded)
	}
}

// finish reports the child's exit status: the parent exits with it.
func (r *reporter) finish(status int) {
	fmt.Fprintf(r.f, "r {\"status\":%d}\n", status)
	r.f.Close()
}
