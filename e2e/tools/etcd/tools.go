//go:build tools

// Package tools pins etcd for e2e/cluster (see ../kubernetes/tools.go).
package tools

import _ "go.etcd.io/etcd/server/v3"
