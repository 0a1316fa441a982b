//go:build tools

// Package tools pins versitygw, the S3 gateway e2e/s3 serves from a posix
// directory (see ../kubernetes/tools.go).
package tools

import _ "github.com/versity/versitygw/cmd/versitygw"
