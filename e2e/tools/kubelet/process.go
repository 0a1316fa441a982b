package main

// One container's process: bwrap running the command in its sandbox, stdout
// and stderr appended to the container's log file, and how it is stopped.
//
// Signals go to the command's process group (bwrap --new-session makes the
// command its leader), never to bwrap: bwrap dies of SIGTERM at once and its
// --die-with-parent then SIGKILLs the command, which would leave it no grace
// period. bwrap stays to report the command's exit status as its own.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

type processSpec struct {
	bwrap      string
	argv       []string // command and args, already $(VAR)-expanded
	env        []string
	workingDir string
	mounts     []mount
	logPath    string
}

type process struct {
	cmd      *exec.Cmd
	childPID int // the command's pid (and process group), as bwrap reports it
	done     chan struct{}

	mu       sync.Mutex
	exitCode int32
	killer   *time.Timer
}

func itoa(i int) string { return strconv.Itoa(i) }

// startProcess returns once the command runs (bwrap has reported its pid), or
// with an error if the sandbox could not be set up.
func startProcess(s processSpec) (*process, error) {
	logFile, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // The child holds its own copy.
	infoR, infoW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer infoR.Close()

	const infoFD = 3 // ExtraFiles[0]
	args := append(sandboxArgs(s.mounts, s.workingDir, infoFD), "--")
	args = append(args, s.argv...)
	cmd := exec.Command(s.bwrap, args...)
	cmd.Env = s.env
	// One file for both streams, written directly by the command (no pipe
	// through us): the log is as interleaved and as prompt as the writes.
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.ExtraFiles = []*os.File{infoW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		infoW.Close()
		return nil, fmt.Errorf("starting bwrap: %w", err)
	}
	infoW.Close()

	p := &process{cmd: cmd, done: make(chan struct{})}
	var info struct {
		ChildPID int `json:"child-pid"`
	}
	// bwrap writes the info once the command is forked; EOF without it means
	// bwrap failed (its reason is in the log) and the wait below reports it.
	if err := json.NewDecoder(infoR).Decode(&info); err == nil {
		p.childPID = info.ChildPID
	}
	go p.wait()
	return p, nil
}

func (p *process) wait() {
	err := p.cmd.Wait()
	code := int32(0)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int32(ws.Signal())
		} else {
			code = int32(exit.ExitCode())
		}
	} else if err != nil {
		code = 128
	}
	p.mu.Lock()
	p.exitCode = code
	if p.killer != nil {
		p.killer.Stop()
	}
	p.mu.Unlock()
	close(p.done)
}

// ExitCode is valid after Done is closed: the command's exit code, or 128 +
// the signal that killed it.
func (p *process) ExitCode() int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitCode
}

func (p *process) Done() <-chan struct{} { return p.done }

// Terminate sends SIGTERM to the command's process group now and SIGKILL to
// it and to bwrap after grace, unless the process ends first. Calling it
// again never extends the grace period.
func (p *process) Terminate(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killer != nil {
		return
	}
	p.signal(syscall.SIGTERM)
	p.killer = time.AfterFunc(grace, func() { p.signal(syscall.SIGKILL) })
}

// signal sends sig to the command's group. bwrap itself is spared so that it
// reaps the command (a zombie outliving bwrap would wait for the host's init)
// and reports its status; it gets SIGKILL only when there is no command pid,
// or when it is still there a while after a SIGKILL.
func (p *process) signal(sig syscall.Signal) {
	if p.childPID <= 0 {
		_ = syscall.Kill(-p.cmd.Process.Pid, sig) // bwrap leads its own group (Setpgid).
		return
	}
	_ = syscall.Kill(-p.childPID, sig)
	if sig == syscall.SIGKILL {
		time.AfterFunc(5*time.Second, func() {
			select {
			case <-p.done:
			default:
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			}
		})
	}
}
