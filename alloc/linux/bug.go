package linux

// Bug is one deliberately broken variant of the system (the zoo). Each is
// a value declared in its own zoo_<name>.go file, with its story, and each
// replaces exactly one of the seams below with its own behaviour: reading
// the rest of the package, one reads today's Linux. NewZoo builds the
// system with one of them.
type Bug interface {
	// String is the variant's registry name, "linux-<name>".
	String() string
	// replace puts the bug's behaviour into its seam.
	replace(*seams)
}

// seams are the points where a zoo variant differs from today's Linux.
// The correct code calls each one exactly where a bug would change it;
// today's behaviour at every seam is a method of today, written beside its
// caller.
type seams struct {
	publication publication     // when a reserved number becomes visible (PublishEarly)
	outFree     outFree         // alloc_pid's failure path (UnwindLeak, FirstForkPublish)
	adding      addingChecks    // the PIDNS_ADDING checks (NoDeadCheck, NoForkRecheck)
	pidMaxReads pidMaxReads     // where pid_max is read and checked (PidmaxWindow)
	inFlight    inFlightAnswers // answers that depend on a fork under way (InflightVisible)
	release     release         // when a task's numbers are freed (FreeAtExit)
	killAll     killAll         // kill(-1)'s targets (KillAllLeak)
	translation translation     // task_pid_nr_ns (TranslateDying)

	cloneThread   cloneThread   // CLONE_THREAD against the pid namespaces (CloneThreadAfterUnshare)
	reaperHandOn  reaperHandOn  // who inherits an exiting thread's children and reaper role (ReaperNotHandedOn)
	delayedLeader delayedLeader // a zombie leader whose last thread is released (LeaderFreedTwice)
	deThread      deThread      // exec's takeover of the leader (ExecNoExchange, ExecLateRelease)
	groupSignal   groupSignal   // a fatal signal to a thread's number (KillThreadOnly)

	pidRefs       pidRefs       // a reaped task's pid held as a group or session (PgidFreedEarly)
	notify        notify        // do_notify_parent's autoreap (AutoreapTwice)
	reaperSearch  reaperSearch  // find_new_reaper and subreapers (SubreaperCrossesNamespace)
	sessionChecks sessionChecks // setsid's refusal (SetsidByGroupLeader)
	childReaper   childReaper   // is_child_reaper at the attach (FirstForkTwoReapers)
	pgrpWalk      pgrpWalk      // kill by process group (GroupKillMissesFork)
	cancelledFork cancelledFork // a fork that answers without attaching (KilledFirstFork)
	killRelease   killRelease   // the frees after kill's hold of tasklist_lock (KillReleaseLate)
}

// today is today's Linux at every seam.
type today struct{}

// todaysSeams fills every seam with today's behaviour.
func todaysSeams() seams {
	return seams{
		publication: today{},
		outFree:     today{},
		adding:      today{},
		pidMaxReads: today{},
		inFlight:    today{},
		release:     today{},
		killAll:     today{},
		translation: today{},

		cloneThread:   today{},
		reaperHandOn:  today{},
		delayedLeader: today{},
		deThread:      today{},
		groupSignal:   today{},

		pidRefs:       today{},
		notify:        today{},
		reaperSearch:  today{},
		sessionChecks: today{},
		childReaper:   today{},
		pgrpWalk:      today{},
		cancelledFork: today{},
		killRelease:   today{},
	}
}
