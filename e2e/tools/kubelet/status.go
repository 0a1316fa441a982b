package main

// Pod and container status as a kubelet reports it. Pure functions of what
// happened, so podrun.go only records events and this file says how they look.

import (
	"crypto/sha256"
	"encoding/hex"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// imageID stands in for the digest a runtime reports after a pull. Nothing is
// pulled here (the host's filesystem is every image), so it is a stable
// digest of the image reference itself: the same image string always gives
// the same ID, and different strings give different IDs.
func imageID(image string) string {
	sum := sha256.Sum256([]byte(image))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// containerID names a container run uniquely within the cluster.
func containerID(pod *corev1.Pod, container string) string {
	return "runledger://" + string(pod.UID) + "/" + container
}

func waitingStatus(pod *corev1.Pod, c *corev1.Container, reason, message string) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name:    c.Name,
		Image:   c.Image,
		ImageID: imageID(c.Image),
		State:   corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}},
	}
}

func runningStatus(pod *corev1.Pod, c *corev1.Container, started metav1.Time) corev1.ContainerStatus {
	t := true
	return corev1.ContainerStatus{
		Name:        c.Name,
		Image:       c.Image,
		ImageID:     imageID(c.Image),
		ContainerID: containerID(pod, c.Name),
		Ready:       true, // No readiness probes: a started container is ready.
		Started:     &t,
		State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
	}
}

// terminatedStatus: reason Completed for exit code 0, else Error, as kubelets
// report for a container that ran.
func terminatedStatus(pod *corev1.Pod, c *corev1.Container, code int32, message string,
	started, finished metav1.Time) corev1.ContainerStatus {
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	f := false
	return corev1.ContainerStatus{
		Name:        c.Name,
		Image:       c.Image,
		ImageID:     imageID(c.Image),
		ContainerID: containerID(pod, c.Name),
		Started:     &f,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode:    code,
			Reason:      reason,
			Message:     message,
			StartedAt:   started,
			FinishedAt:  finished,
			ContainerID: containerID(pod, c.Name),
		}},
	}
}

// neverRanStatus is a container that ended without running: its pod was
// deleted first, or this kubelet restarted and lost its process. The reason
// and exit code are those a kubelet uses when it cannot find the container.
func neverRanStatus(c *corev1.Container, message string, now metav1.Time) corev1.ContainerStatus {
	f := false
	return corev1.ContainerStatus{
		Name:    c.Name,
		Image:   c.Image,
		ImageID: imageID(c.Image),
		Started: &f,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 137, Reason: "ContainerStatusUnknown", Message: message, FinishedAt: now,
		}},
	}
}

// podConditions: Initialized once init containers succeeded; Ready and
// ContainersReady while every container runs; after that PodCompleted.
func podConditions(initialized, running, completed bool, now metav1.Time) []corev1.PodCondition {
	cond := func(t corev1.PodConditionType, ok bool, reason string) corev1.PodCondition {
		s := corev1.ConditionFalse
		if ok {
			s = corev1.ConditionTrue
			reason = ""
		}
		return corev1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: now}
	}
	notReady := "ContainersNotReady"
	if completed {
		notReady = "PodCompleted"
	}
	initReason := "ContainersNotInitialized"
	if completed && initialized {
		initReason = ""
	}
	return []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, true, ""),
		cond(corev1.PodInitialized, initialized, initReason),
		cond(corev1.ContainersReady, running, notReady),
		cond(corev1.PodReady, running, notReady),
		cond(corev1.PodScheduled, true, ""),
	}
}

// finalPhase: Succeeded only if every container exited 0, as for restartPolicy Never.
func finalPhase(statuses []corev1.ContainerStatus) corev1.PodPhase {
	for _, s := range statuses {
		if s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
			return corev1.PodFailed
		}
	}
	return corev1.PodSucceeded
}
