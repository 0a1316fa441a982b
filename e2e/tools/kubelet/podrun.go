package main

// The life of one pod on this node: volumes, then init containers one at a
// time (a failure fails the pod), then all containers at once; the pod ends
// Succeeded if every container exited 0 and Failed otherwise, as with
// restartPolicy Never (no container is ever restarted). Deletion terminates
// whatever runs. Every change of state is reported through notify.

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Used when a deleted pod names no grace period, as the API server's default.
const defaultGrace = 30 * time.Second

type podRun struct {
	p   *provider
	dir string // state: volumes/, logs/, termination/

	mu          sync.Mutex
	pod         *corev1.Pod // spec as given (env resolved); Status is ours
	procs       map[string]*process
	finished    map[string]bool // containers whose process has ended (or never will run)
	terminating bool
	deleted     bool // terminating because the pod was deleted (not because this program stops)
	grace       time.Duration
	stopped     chan struct{} // closed when termination is asked for
	done        chan struct{} // closed when nothing runs any more
}

func newPodRun(p *provider, pod *corev1.Pod) *podRun {
	return &podRun{
		p:        p,
		dir:      filepath.Join(p.podsDir, string(pod.UID)),
		pod:      pod,
		procs:    map[string]*process{},
		finished: map[string]bool{},
		stopped:  make(chan struct{}),
		done:     make(chan struct{}),
	}
}

func (r *podRun) logPath(container string) string {
	return filepath.Join(r.dir, "logs", container+".log")
}

func (r *podRun) terminationPath(container string) string {
	return filepath.Join(r.dir, "termination", container)
}

// Snapshot is a copy of the pod with its current status.
func (r *podRun) Snapshot() *corev1.Pod {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pod.DeepCopy()
}

// update changes the status under the lock and reports the result.
func (r *podRun) update(change func(s *corev1.PodStatus, now metav1.Time)) {
	r.mu.Lock()
	change(&r.pod.Status, metav1.Now())
	snapshot := r.pod.DeepCopy()
	r.mu.Unlock()
	r.p.notifyPod(snapshot)
}

// Terminate stops the pod's processes: SIGTERM now, SIGKILL after grace. A
// container not started yet never starts.
func (r *podRun) Terminate(grace time.Duration) {
	r.mu.Lock()
	if !r.terminating {
		r.terminating = true
		r.grace = grace
		close(r.stopped)
	}
	procs := make([]*process, 0, len(r.procs))
	for _, p := range r.procs {
		procs = append(procs, p)
	}
	grace = r.grace
	r.mu.Unlock()
	for _, p := range procs {
		p.Terminate(grace)
	}
}

// MarkDeleted records that the pod's deletion, not a shutdown, ends it.
func (r *podRun) MarkDeleted() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deleted = true
}

func (r *podRun) isDeleted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.deleted
}

func (r *podRun) isTerminating() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.terminating
}

// ContainerFinished: its process ended, so its log is complete.
func (r *podRun) ContainerFinished(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.finished[name]
}

// Lost reports a pod that an earlier run of this program started: its
// processes died with it, so the pod fails rather than running twice.
func (r *podRun) Lost() {
	defer close(r.done)
	r.update(func(s *corev1.PodStatus, now metav1.Time) {
		const msg = "the kubelet stand-in restarted; the container's process ended with it"
		s.InitContainerStatuses = finishUnknown(r.pod.Spec.InitContainers, s.InitContainerStatuses, msg, now)
		s.ContainerStatuses = finishUnknown(r.pod.Spec.Containers, s.ContainerStatuses, msg, now)
		s.Phase = corev1.PodFailed
		s.Conditions = podConditions(false, false, true, now)
	})
	r.markAllFinished()
}

// Run drives the pod to its end; it returns when no process of it runs.
func (r *podRun) Run(ctx context.Context) {
	defer close(r.done)
	defer r.markAllFinished()
	pod := r.Snapshot()
	log := slog.With("pod", pod.Namespace+"/"+pod.Name)

	r.update(func(s *corev1.PodStatus, now metav1.Time) {
		s.Phase = corev1.PodPending
		s.HostIP, s.PodIP = loopback, loopback
		s.HostIPs = []corev1.HostIP{{IP: loopback}}
		s.PodIPs = []corev1.PodIP{{IP: loopback}}
		s.StartTime = &now
		s.Conditions = podConditions(len(pod.Spec.InitContainers) == 0, false, false, now)
		s.InitContainerStatuses = nil
		for i := range pod.Spec.InitContainers {
			s.InitContainerStatuses = append(s.InitContainerStatuses,
				waitingStatus(pod, &pod.Spec.InitContainers[i], "PodInitializing", ""))
		}
		reason := "ContainerCreating"
		if len(pod.Spec.InitContainers) > 0 {
			reason = "PodInitializing"
		}
		s.ContainerStatuses = nil
		for i := range pod.Spec.Containers {
			s.ContainerStatuses = append(s.ContainerStatuses, waitingStatus(pod, &pod.Spec.Containers[i], reason, ""))
		}
	})

	volumes, ok := r.mountVolumes(ctx, pod, log)
	if !ok {
		r.endNeverRan("the pod was deleted before its volumes were ready")
		return
	}

	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if r.isTerminating() {
			r.endNeverRan("the pod was deleted before the container started")
			return
		}
		status := r.runContainer(pod, c, volumes, log, true)
		if status.State.Terminated.ExitCode != 0 {
			r.update(func(s *corev1.PodStatus, now metav1.Time) {
				s.Phase = corev1.PodFailed
				s.Conditions = podConditions(false, false, true, now)
				s.ContainerStatuses = finishUnknown(pod.Spec.Containers, s.ContainerStatuses,
					"an init container failed", now)
			})
			return
		}
	}
	if r.isTerminating() {
		r.endNeverRan("the pod was deleted before the container started")
		return
	}
	r.update(func(s *corev1.PodStatus, now metav1.Time) {
		s.Conditions = podConditions(true, false, false, now)
	})

	var wg sync.WaitGroup
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runContainer(pod, c, volumes, log, false)
		}()
	}
	wg.Wait()
	r.update(func(s *corev1.PodStatus, now metav1.Time) {
		s.Phase = finalPhase(s.ContainerStatuses)
		s.Conditions = podConditions(true, false, true, now)
	})
	log.Info("pod finished", "phase", r.Snapshot().Status.Phase)
}

// mountVolumes retries until the volumes are ready or the pod is deleted,
// showing the reason on the waiting containers meanwhile.
func (r *podRun) mountVolumes(ctx context.Context, pod *corev1.Pod, log *slog.Logger) (map[string]string, bool) {
	for _, d := range []string{"logs", "termination", "volumes"} {
		if err := os.MkdirAll(filepath.Join(r.dir, d), 0o755); err != nil {
			log.Error("state directory", "err", err)
		}
	}
	for {
		volumes, err := prepareVolumes(ctx, r.p.client, pod, filepath.Join(r.dir, "volumes"))
		if err == nil {
			return volumes, true
		}
		log.Warn("volumes not ready", "err", err)
		r.update(func(s *corev1.PodStatus, _ metav1.Time) {
			for i := range s.ContainerStatuses {
				if w := s.ContainerStatuses[i].State.Waiting; w != nil {
					w.Reason, w.Message = "ContainerCreating", err.Error()
				}
			}
		})
		select {
		case <-r.stopped:
			return nil, false
		case <-time.After(2 * time.Second):
		}
	}
}

func (r *podRun) markFinished(name string) {
	r.mu.Lock()
	r.finished[name] = true
	delete(r.procs, name)
	r.mu.Unlock()
}

func (r *podRun) markAllFinished() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.pod.Spec.InitContainers {
		r.finished[c.Name] = true
	}
	for _, c := range r.pod.Spec.Containers {
		r.finished[c.Name] = true
	}
}

// endNeverRan ends a pod deleted before (some of) its containers ran.
func (r *podRun) endNeverRan(msg string) {
	r.update(func(s *corev1.PodStatus, now metav1.Time) {
		s.InitContainerStatuses = finishUnknown(r.pod.Spec.InitContainers, s.InitContainerStatuses, msg, now)
		s.ContainerStatuses = finishUnknown(r.pod.Spec.Containers, s.ContainerStatuses, msg, now)
		s.Phase = corev1.PodFailed
		s.Conditions = podConditions(false, false, true, now)
	})
}

// finishUnknown marks every container in statuses that has not terminated as
// never having run (the statuses are rebuilt from specs if missing).
func finishUnknown(specs []corev1.Container, statuses []corev1.ContainerStatus, msg string, now metav1.Time) []corev1.ContainerStatus {
	byName := map[string]corev1.ContainerStatus{}
	for _, s := range statuses {
		byName[s.Name] = s
	}
	out := make([]corev1.ContainerStatus, 0, len(specs))
	for i := range specs {
		s, ok := byName[specs[i].Name]
		if !ok || s.State.Terminated == nil {
			s = neverRanStatus(&specs[i], msg, now)
		}
		out = append(out, s)
	}
	return out
}
