package main

// The virtual-kubelet provider: the table of this node's pods and the calls
// virtual-kubelet makes (create, update, delete, get) and the status
// notifications it receives back. The work of a pod is in podrun.go.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	vkapi "github.com/virtual-kubelet/virtual-kubelet/node/api"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

type provider struct {
	client   kubernetes.Interface
	podsDir  string // one directory per pod UID
	bwrap    string
	nodeName string

	mu     sync.Mutex
	pods   map[string]*podRun // by namespace/name
	notify func(*corev1.Pod)
	wg     sync.WaitGroup
	ctx    context.Context // for API calls of pods (volumes); cancelled by StopAll
	cancel context.CancelFunc
}

func newProvider(client kubernetes.Interface, podsDir, bwrap, nodeName string) *provider {
	ctx, cancel := context.WithCancel(context.Background())
	return &provider{client: client, podsDir: podsDir, bwrap: bwrap, nodeName: nodeName,
		pods: map[string]*podRun{}, ctx: ctx, cancel: cancel}
}

func key(namespace, name string) string { return namespace + "/" + name }

func (p *provider) lookup(namespace, name string) *podRun {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pods[key(namespace, name)]
}

// NotifyPods is how virtual-kubelet learns of status changes (it then writes
// them to the API server); it registers before any pod is created.
func (p *provider) NotifyPods(_ context.Context, f func(*corev1.Pod)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notify = f
}

func (p *provider) notifyPod(pod *corev1.Pod) {
	p.mu.Lock()
	f := p.notify
	p.mu.Unlock()
	if f != nil {
		f(pod)
	}
}

func (p *provider) CreatePod(_ context.Context, pod *corev1.Pod) error {
	p.mu.Lock()
	k := key(pod.Namespace, pod.Name)
	if existing := p.pods[k]; existing != nil && existing.Snapshot().UID == pod.UID {
		p.mu.Unlock()
		return nil
	}
	pod = pod.DeepCopy()
	// The API server defaults qosClass; everything else in the status is ours.
	started := pod.Status.StartTime != nil
	pod.Status = corev1.PodStatus{QOSClass: pod.Status.QOSClass, StartTime: pod.Status.StartTime,
		InitContainerStatuses: pod.Status.InitContainerStatuses, ContainerStatuses: pod.Status.ContainerStatuses}
	r := newPodRun(p, pod)
	p.pods[k] = r
	p.wg.Add(1)
	p.mu.Unlock()

	go func() {
		defer p.wg.Done()
		if started {
			// Started by an earlier run of this program, whose processes died with it.
			slog.Warn("pod was started before this kubelet restarted; failing it", "pod", k)
			r.Lost()
		} else {
			slog.Info("pod accepted", "pod", k, "uid", pod.UID)
			r.Run(p.ctx)
		}
		p.forgetIfDeleted(k, r)
	}()
	return nil
}

// UpdatePod: nothing that may change on a running pod (image, labels,
// annotations, tolerations) changes what runs here.
func (p *provider) UpdatePod(context.Context, *corev1.Pod) error { return nil }

// DeletePod terminates the pod's processes (SIGTERM now, SIGKILL after the
// grace period) and forgets the pod once they have ended; virtual-kubelet
// then removes it from the API server. Called again, it changes nothing.
func (p *provider) DeletePod(_ context.Context, pod *corev1.Pod) error {
	r := p.lookup(pod.Namespace, pod.Name)
	if r == nil {
		return errdefs.NotFoundf("pod %s/%s is not on this node", pod.Namespace, pod.Name)
	}
	grace := defaultGrace
	if pod.DeletionGracePeriodSeconds != nil {
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	} else if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	slog.Info("deleting pod", "pod", key(pod.Namespace, pod.Name), "grace", grace)
	r.MarkDeleted()
	r.Terminate(grace)
	select {
	case <-r.done:
		// Already over (say it had finished): report its final status again so
		// virtual-kubelet sees a pod that no longer runs, and forget it.
		p.notifyPod(r.Snapshot())
		p.forgetIfDeleted(key(pod.Namespace, pod.Name), r)
	default:
	}
	return nil
}

// forgetIfDeleted drops a pod whose deletion was asked for and whose
// processes have ended, with its state directory (logs included).
func (p *provider) forgetIfDeleted(k string, r *podRun) {
	if !r.isDeleted() {
		// Finished on its own, or ended by a shutdown: its logs stay readable
		// until it is deleted (after a restart too).
		return
	}
	select {
	case <-r.done:
	default:
		return
	}
	p.mu.Lock()
	if p.pods[k] == r {
		delete(p.pods, k)
	}
	p.mu.Unlock()
	if err := os.RemoveAll(r.dir); err != nil {
		slog.Warn("removing pod state", "dir", r.dir, "err", err)
	}
	// As a kubelet does once a deleted pod's containers have stopped: remove
	// it now. virtual-kubelet alone would wait out the whole grace period.
	pod := r.Snapshot()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	opts := metav1.NewDeleteOptions(0)
	opts.Preconditions = metav1.NewUIDPreconditions(string(pod.UID)) // Never a newer pod of the same name.
	err := p.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, *opts)
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		slog.Warn("removing a terminated pod", "pod", k, "err", err)
	}
}

func (p *provider) GetPod(_ context.Context, namespace, name string) (*corev1.Pod, error) {
	r := p.lookup(namespace, name)
	if r == nil {
		return nil, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, name)
	}
	return r.Snapshot(), nil
}

func (p *provider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

func (p *provider) GetPods(context.Context) ([]*corev1.Pod, error) {
	p.mu.Lock()
	runs := make([]*podRun, 0, len(p.pods))
	for _, r := range p.pods {
		runs = append(runs, r)
	}
	p.mu.Unlock()
	pods := make([]*corev1.Pod, 0, len(runs))
	for _, r := range runs {
		pods = append(pods, r.Snapshot())
	}
	return pods, nil
}

// StopAll terminates every pod (SIGTERM, SIGKILL after grace) and waits a
// little longer than that for them to end.
func (p *provider) StopAll(grace time.Duration) {
	p.mu.Lock()
	runs := make([]*podRun, 0, len(p.pods))
	for _, r := range p.pods {
		runs = append(runs, r)
	}
	p.mu.Unlock()
	for _, r := range runs {
		r.Terminate(grace)
	}
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace + 10*time.Second):
		slog.Warn("pods still running at shutdown")
	}
	p.cancel()
}

var errUnsupported = errors.New("not supported by the runledger kubelet stand-in")

func (p *provider) RunInContainer(context.Context, string, string, string, []string, vkapi.AttachIO) error {
	return errUnsupported
}

func (p *provider) AttachToContainer(context.Context, string, string, string, vkapi.AttachIO) error {
	return errUnsupported
}

func (p *provider) PortForward(context.Context, string, string, int32, io.ReadWriteCloser) error {
	return errUnsupported
}

func (p *provider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	return nil, errUnsupported
}

func (p *provider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	return nil, errUnsupported
}
