package linux

// TranslateDying translates through a dying task as if it were gone: the
// number of a task that has exited but is not yet reaped comes back as 0,
// which every caller reads as "invisible from here". That is how si_pid of
// a signal from an exiting sender became 0 in 2020: task_pid_nr_ns saw the
// sender's pid being torn down and answered 0, though the sender was
// visible to the receiver (LINUX-PID.md, historical race 12).
//
//	t0 fork t1              [2]
//	t1 exit 0
//	t0 translate t1         spec 2 (a zombie keeps its numbers); TranslateDying 0
//
// Detected sequentially by porcupine. Fix: answer from the pid the task
// still holds until release_task (task_pid_nr_ns is 0 only once the pid is
// detached).
var TranslateDying Bug = translateDying{}

// translateDying is TranslateDying's task_pid_nr_ns.
type translateDying struct{}

func (translateDying) String() string     { return "linux-translate-dying" }
func (b translateDying) replace(z *seams) { z.translation = b }

// translate answers 0 for every task that is not live.
func (translateDying) translate(target *task, sp *space) int {
	if target.state != live {
		return 0
	}
	return numberIn(target, sp)
}
