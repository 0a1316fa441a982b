package main

// One container of a pod: its command line, environment and mounts for the
// sandbox, its run from start to exit, and its termination message.

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	maxTerminationMessage = 4096 // bytes, as the kubelet caps it
	fallbackLogBytes      = 2048 // FallbackToLogsOnError: the log's tail, as the kubelet takes it
)

// runContainer runs c (an init container if isInit) to its end, recording
// its status as it goes; it returns the final status.
func (r *podRun) runContainer(pod *corev1.Pod, c *corev1.Container, volumes map[string]string, log *slog.Logger,
	isInit bool) corev1.ContainerStatus {
	set := func(st corev1.ContainerStatus, running bool) {
		r.update(func(s *corev1.PodStatus, now metav1.Time) {
			list := s.ContainerStatuses
			if isInit {
				list = s.InitContainerStatuses
			}
			for i := range list {
				if list[i].Name == c.Name {
					list[i] = st
				}
			}
			if running {
				s.Phase = corev1.PodRunning
				s.Conditions = podConditions(true, allRunning(s.ContainerStatuses), false, now)
			}
		})
	}
	spec, err := r.processSpec(pod, c, volumes)
	started := metav1.Now()
	var proc *process
	if err == nil {
		r.mu.Lock()
		if r.terminating {
			err = fmt.Errorf("the pod was deleted before the container started")
		} else if proc, err = startProcess(spec); err == nil {
			r.procs[c.Name] = proc
		}
		r.mu.Unlock()
	}
	if err != nil {
		log.Error("container did not start", "container", c.Name, "err", err)
		st := terminatedStatus(pod, c, 128, err.Error(), started, metav1.Now())
		st.State.Terminated.Reason = "StartError"
		set(st, false)
		r.markFinished(c.Name)
		return st
	}
	log.Info("container started", "container", c.Name, "pid", proc.childPID)
	set(runningStatus(pod, c, started), !isInit)

	<-proc.Done()
	code := proc.ExitCode()
	r.markFinished(c.Name)
	st := terminatedStatus(pod, c, code, r.terminationMessage(c, code), started, metav1.Now())
	if proc.childPID == 0 {
		// bwrap never reported the command's pid: the sandbox was not set up.
		// Its own message is in the log.
		st.State.Terminated.Reason = "StartError"
		st.State.Terminated.Message = readCapped(r.logPath(c.Name), fallbackLogBytes, true)
	}
	log.Info("container exited", "container", c.Name, "exitCode", code)
	set(st, false)
	return st
}

func allRunning(statuses []corev1.ContainerStatus) bool {
	for _, s := range statuses {
		if s.State.Running == nil {
			return false
		}
	}
	return len(statuses) > 0
}

// processSpec: the container's command, env and mounts as bwrap takes them.
func (r *podRun) processSpec(pod *corev1.Pod, c *corev1.Container, volumes map[string]string) (processSpec, error) {
	env := map[string]string{
		// The host stands in for the image, so the image's PATH is the host's.
		"PATH":     hostPath(),
		"HOME":     "/root",
		"HOSTNAME": pod.Name,
	}
	for _, e := range c.Env { // virtual-kubelet resolved valueFrom and envFrom into values.
		env[e.Name] = e.Value
	}
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	argv := append(expandAll(c.Command, env), expandAll(c.Args, env)...)
	if len(argv) == 0 {
		return processSpec{}, fmt.Errorf("container %q has no command: images are not pulled, so there is no entrypoint", c.Name)
	}

	var mounts []mount
	for _, vm := range c.VolumeMounts {
		src, ok := volumes[vm.Name]
		if !ok {
			return processSpec{}, fmt.Errorf("volumeMount %q names no volume", vm.Name)
		}
		if vm.SubPath != "" {
			src = filepath.Join(src, vm.SubPath)
			if _, err := os.Stat(src); os.IsNotExist(err) {
				if err := os.MkdirAll(src, 0o777); err != nil {
					return processSpec{}, err
				}
			}
		}
		mounts = append(mounts, mount{source: src, target: vm.MountPath, readOnly: vm.ReadOnly})
	}
	termPath := c.TerminationMessagePath
	if termPath == "" {
		termPath = "/dev/termination-log"
	}
	termFile := r.terminationPath(c.Name)
	if err := os.WriteFile(termFile, nil, 0o666); err != nil {
		return processSpec{}, err
	}
	mounts = append(mounts, mount{source: termFile, target: termPath})

	return processSpec{
		bwrap:      r.p.bwrap,
		argv:       argv,
		env:        envList,
		workingDir: c.WorkingDir,
		mounts:     mounts,
		logPath:    r.logPath(c.Name),
	}, nil
}

func hostPath() string {
	if p := os.Getenv("PATH"); p != "" {
		return p
	}
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

// terminationMessage: the file at terminationMessagePath (at most 4 KiB);
// with FallbackToLogsOnError and a failure that wrote none, the log's tail.
func (r *podRun) terminationMessage(c *corev1.Container, code int32) string {
	msg := readCapped(r.terminationPath(c.Name), maxTerminationMessage, false)
	if msg == "" && code != 0 && c.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError {
		msg = readCapped(r.logPath(c.Name), fallbackLogBytes, true)
	}
	return msg
}

// readCapped reads at most limit bytes of a file: the first ones, or the last.
func readCapped(path string, limit int64, tail bool) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if tail {
		if fi, err := f.Stat(); err == nil && fi.Size() > limit {
			f.Seek(fi.Size()-limit, 0)
		}
	}
	buf := make([]byte, limit)
	n, _ := f.Read(buf)
	return string(buf[:n])
}
