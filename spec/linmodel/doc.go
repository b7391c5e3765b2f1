// Package linmodel adapts a spec.Spec to porcupine, the linearizability
// checker: Model(s) is a porcupine.Model whose Input is a model.Op and whose
// Output is a model.Result, and Explain turns an illegal history into the
// spec's reason, a sentence for the trace's "reason" line.
//
// Partitioning (P-compositionality) is offered only where it is sound: the
// allocator level under the Unique policy, for histories without EAGAIN,
// ENOMEM, set_max or disable. Everywhere else the ops of a history interact
// through shared state (the cyclic or lowest-free order couples every
// number; EAGAIN depends on the whole set; at the process level tasks,
// parents and spaces couple every op), so the history is checked whole.
package linmodel
