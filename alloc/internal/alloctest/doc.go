// Package alloctest is the test machinery the allocator packages under
// alloc/ share: scenario runners under the controlled scheduler, porcupine
// checks against the specs, random scenario and op generators, a real-thread
// stress test and the golden-case runner of the 2006 designs.
//
// It is imported only by _test.go files. Helpers that can fail take a
// testing.TB (or a *rapid.T, which implements it) and report through it;
// the others return a report string that is empty when nothing is wrong.
//
// Allocator level (alloc/idr, alloc/pidmap, alloc/lockfree):
//
//	why := alloctest.Judge(newImpl, sc, model.Cyclic, sched.NewRandom(1))
//	alloctest.CheckRandomScenarios(t, newImpl, model.Unique, p, false, seed, 400)
//	alloctest.CheckExhaustive(t, newImpl, alloctest.MixedScenario(t), pol, sched.NewDFS(alloctest.DFSBound()))
//
// Process level (alloc/openvz, alloc/pspace2006):
//
//	seed, why := alloctest.FindBug(t, s, budget, alloctest.ProcessScenario(gen), build)
package alloctest
