//go:build tools

// Package tools pins helm, which tests/e2e/chart_e2e_test lints and renders
// the chart with (charts/runledger).
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
