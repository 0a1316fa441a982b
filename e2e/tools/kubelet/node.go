package main

// The Node this program registers, its Lease, and its removal on shutdown.

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const (
	defaultNodeName = "runledger-host"
	// Pods must select the host with this label and tolerate the taint: a pod
	// that did not ask for real execution keeps landing on kwok's fake nodes.
	hostLabelKey   = "runledger.dev/node"
	hostLabelValue = "host"
	// The cluster runs this Kubernetes version; reported as the kubelet's, so
	// nothing that reads it sees an unsupported skew.
	kubeletVersion = "v1.36.3"
	// What kube-node-lease leases of real kubelets use.
	leaseSeconds = 40
	loopback     = "127.0.0.1"
)

var hostTaint = corev1.Taint{Key: "runledger.dev/host", Value: "true", Effect: corev1.TaintEffectNoSchedule}

// nodeSpec is the Node as registered. Only an InternalIP address: the API
// server tries a Hostname address first, and the node's name resolves to
// nothing, so `kubectl logs` would fail.
func nodeSpec(name string, kubeletPort int32) corev1.Node {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(hostMemoryBytes(), resource.BinarySI),
		corev1.ResourcePods:   *resource.NewQuantity(50, resource.DecimalSI),
	}
	condition := func(t corev1.NodeConditionType, reason string) corev1.NodeCondition {
		now := metav1.Now()
		return corev1.NodeCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason,
			LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     runtime.GOARCH,
				"type":                   "runledger-kubelet",
				hostLabelKey:             hostLabelValue,
			},
		},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{hostTaint}},
		Status: corev1.NodeStatus{
			Phase:       corev1.NodePending,
			Capacity:    capacity,
			Allocatable: capacity,
			Addresses:   []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: loopback}},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{
				KubeletEndpoint: corev1.DaemonEndpoint{Port: kubeletPort},
			},
			NodeInfo: corev1.NodeSystemInfo{
				Architecture:            runtime.GOARCH,
				OperatingSystem:         "linux",
				KubeletVersion:          kubeletVersion,
				ContainerRuntimeVersion: "runledger-kubelet://host-processes",
				KernelVersion:           kernelVersion(),
			},
			// Ready is set True by virtual-kubelet once its controllers run.
			Conditions: []corev1.NodeCondition{
				condition(corev1.NodeReady, "KubeletStarting"),
				condition(corev1.NodeMemoryPressure, "KubeletHasSufficientMemory"),
				condition(corev1.NodeDiskPressure, "KubeletHasNoDiskPressure"),
				condition(corev1.NodePIDPressure, "KubeletHasSufficientPID"),
				condition(corev1.NodeNetworkUnavailable, "HostNetwork"),
			},
		},
	}
}

// claimLease makes the node's Lease ours before the Node exists. A lease left
// by an earlier run is taken over (its owner reference named a Node that is
// gone; virtual-kubelet sets the new one on its first renewal).
func claimLease(ctx context.Context, client kubernetes.Interface, name string) error {
	leases := client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	holder, seconds := name, int32(leaseSeconds)
	spec := coordinationv1.LeaseSpec{
		HolderIdentity:       &holder,
		LeaseDurationSeconds: &seconds,
		RenewTime:            &metav1.MicroTime{Time: time.Now()},
	}
	existing, err := leases.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: corev1.NamespaceNodeLease},
			Spec:       spec,
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	existing.Spec = spec
	existing.OwnerReferences = nil
	_, err = leases.Update(ctx, existing, metav1.UpdateOptions{})
	return err
}

// deleteNode removes the Node and its Lease; already gone is success.
func deleteNode(ctx context.Context, client kubernetes.Interface, name string) error {
	err := client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	err = client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}

func hostMemoryBytes() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kib, _ := strconv.ParseInt(fields[1], 10, 64)
			return kib * 1024
		}
	}
	return 0
}

func kernelVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
