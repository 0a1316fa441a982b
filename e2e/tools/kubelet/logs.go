package main

// Container logs for the kubelet API (`kubectl logs`, `logs -f`): the
// container's log file, with tailLines and limitBytes; follow reads on until
// the container has ended and everything it wrote has been sent.
// Not supported: timestamps (there are none: the process writes the file
// itself), sinceSeconds/sinceTime, and previous (nothing restarts).

import (
	"bytes"
	"context"
	"io"
	"os"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	vkapi "github.com/virtual-kubelet/virtual-kubelet/node/api"
)

const followPoll = 100 * time.Millisecond

func (p *provider) GetContainerLogs(ctx context.Context, namespace, podName, containerName string,
	opts vkapi.ContainerLogOpts) (io.ReadCloser, error) {
	r := p.lookup(namespace, podName)
	if r == nil {
		return nil, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, podName)
	}
	if !hasContainer(r, containerName) {
		return nil, errdefs.NotFoundf("container %q is not in pod %s/%s", containerName, namespace, podName)
	}
	if opts.Previous {
		return nil, errdefs.InvalidInputf("previous terminated container %q in pod %q not found", containerName, podName)
	}
	f, err := os.Open(r.logPath(containerName))
	if os.IsNotExist(err) {
		return nil, errdefs.InvalidInputf("container %q in pod %q is waiting to start", containerName, podName)
	}
	if err != nil {
		return nil, err
	}
	if opts.Tail > 0 {
		if err := seekToLastLines(f, opts.Tail); err != nil {
			f.Close()
			return nil, err
		}
	}
	var rc io.ReadCloser = f
	if opts.Follow {
		rc = &followReader{ctx: ctx, f: f, finished: func() bool { return r.ContainerFinished(containerName) }}
	}
	if opts.LimitBytes > 0 {
		rc = limitReadCloser{io.LimitReader(rc, int64(opts.LimitBytes)), rc}
	}
	return rc, nil
}

func hasContainer(r *podRun, name string) bool {
	pod := r.Snapshot()
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// seekToLastLines positions f at the start of its last n lines (a final line
// without a newline counts as one).
func seekToLastLines(f *os.File, n int) error {
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end-- // The last line's own newline does not start another line.
	}
	start := end
	for i := 0; i < n && start > 0; i++ {
		start = bytes.LastIndexByte(data[:start], '\n') + 1 // 0 when there is none
		if i < n-1 && start > 0 {
			start-- // Step over the newline to the line before.
		}
	}
	_, err = f.Seek(int64(start), io.SeekStart)
	return err
}

// followReader returns the file's bytes as they arrive; EOF only once the
// container has finished and the file holds nothing more, or the request ends.
type followReader struct {
	ctx      context.Context
	f        *os.File
	finished func() bool
}

func (r *followReader) Read(b []byte) (int, error) {
	for {
		// Checked before reading: bytes written before the end are then read below.
		done := r.finished()
		n, err := r.f.Read(b)
		if n > 0 || (err != nil && err != io.EOF) {
			return n, err
		}
		if done {
			return 0, io.EOF
		}
		select {
		case <-r.ctx.Done():
			return 0, io.EOF
		case <-time.After(followPoll):
		}
	}
}

func (r *followReader) Close() error { return r.f.Close() }

type limitReadCloser struct {
	io.Reader
	io.Closer
}
