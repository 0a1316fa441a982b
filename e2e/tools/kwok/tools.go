//go:build tools

// Package tools pins kwok and kwokctl for e2e/cluster (see ../kubernetes/tools.go).
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
	_ "sigs.k8s.io/kwok/cmd/kwokctl"
)
