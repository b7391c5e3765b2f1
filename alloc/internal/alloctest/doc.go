// Package alloctest is what the tests of the allocator packages under
// alloc/ share beyond the engine. Scenarios are run, judged and explained
// by package checker (checker.Run, checker.Explore, the engine's judge and
// banner); alloctest only says which runs a test makes and what it
// expects of them: every schedule of a DFS, the first failure within a
// budget, random scenarios (checker.Generate) edited for a design's own
// numbers. Beside that it holds what the engine does not do: sequential
// op-by-op checks against a spec with Validate after every op, stress
// tests of real goroutines on the pass-through Env (run them with -race)
// and the golden-case runner of the 2006 designs.
//
// It is imported only by _test.go files. Helpers that can fail take a
// testing.TB (or a *rapid.T, which implements it) and report through it;
// the others return what they found.
//
// Allocator level (alloc/idr, alloc/pidmap, alloc/lockfree):
//
//	correct := alloctest.Correct("idr", model.SpecAlloc, model.Cyclic, idr.New)
//	alloctest.CheckRandom(t, correct, model.SmallParams(), 3, 400, alloctest.Busy)
//	alloctest.CheckExhaustive(t, correct, alloctest.MixedScenario(t), alloctest.DFSBound())
//	alloctest.RequireFound(t, alloctest.Zoo(idr.ShortWrap, model.SpecAlloc, model.Cyclic, idr.NewZoo), sc, budget)
//
// Process level (alloc/openvz, alloc/pspace2006, alloc/linux):
//
//	alloctest.CheckLinearizable(t, target, 0, newGen(0).Renumber)
//	alloctest.FirstFailure(target, sc, ro, budget, alloctest.SeedPerRun)
package alloctest
