// Package varianttest holds the Key checks both 2006 designs' specs
// (spec/openvz, spec/pspace2006) run in their tests: that Key-equal states
// answer every future op alike, and that a huge handle costs nothing.
// It is imported by tests only.
package varianttest
