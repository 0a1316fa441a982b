//go:build tools

// Package tools pins the Kubernetes commands e2e/cluster builds. The blank
// imports keep `go mod tidy` from dropping requirements no Go file uses.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
