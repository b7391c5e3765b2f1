// Package spectest is the test machinery the process-level variant specs
// (spec/openvz, spec/pspace2006) share: the datadriven golden-case runner
// and a rapid property check that a spec's Expect passes its own Step.
//
// It is imported only by _test.go files:
//
//	func TestGolden(t *testing.T) { spectest.RunGolden(t, "testdata", spectest.Specs{Name: openvz.Name, Process: openvz.New}) }
//
//	rapid.Check(t, func(t *rapid.T) { spectest.CheckExpectPassesStep(t, openvz.New) })
package spectest
