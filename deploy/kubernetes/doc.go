// Package kubernetes holds pidcheck's Kubernetes manifests and the test
// that validates them: each kustomization here is built with kustomize's
// own library (what kubectl apply -k runs), every object decoded strictly
// into the Kubernetes API types, and the fields that make a sharded check
// work are checked on the typed values.
//
// It is a module of its own so that users of pidcheck's module do not
// inherit the Kubernetes dependencies.
package kubernetes
