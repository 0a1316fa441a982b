package main

// A pod's volumes as host directories under its state directory, written once
// when the pod starts (no refresh of Secrets, ConfigMaps or tokens later:
// test pods are short). Supported: emptyDir, hostPath, secret, configMap,
// downwardAPI and projected (serviceAccountToken, secret, configMap,
// downwardAPI), which is how the API server mounts the service-account token.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const defaultFileMode = 0o644

// prepareVolumes makes every volume of pod under dir and returns each one's
// host path by volume name. An error (a missing Secret, say) is worth
// retrying: the kubelet, too, keeps a pod ContainerCreating until it mounts.
func prepareVolumes(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, dir string) (map[string]string, error) {
	paths := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		path := filepath.Join(dir, v.Name)
		var err error
		switch {
		case v.EmptyDir != nil:
			// medium Memory is an ordinary directory too: nothing here limits size.
			err = os.MkdirAll(path, 0o777)
		case v.HostPath != nil:
			path, err = hostPathVolume(v.HostPath)
		case v.Secret != nil:
			err = writeSecret(ctx, client, pod, path, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, v.Secret.DefaultMode)
		case v.ConfigMap != nil:
			err = writeConfigMap(ctx, client, pod, path, v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional, v.ConfigMap.DefaultMode)
		case v.DownwardAPI != nil:
			err = writeDownwardAPI(pod, path, v.DownwardAPI.Items, v.DownwardAPI.DefaultMode)
		case v.Projected != nil:
			err = writeProjected(ctx, client, pod, path, v.Projected)
		default:
			return nil, fmt.Errorf("volume %q: only emptyDir, hostPath, secret, configMap, downwardAPI and projected volumes are supported", v.Name)
		}
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		paths[v.Name] = path
	}
	return paths, nil
}

func hostPathVolume(h *corev1.HostPathVolumeSource) (string, error) {
	t := corev1.HostPathUnset
	if h.Type != nil {
		t = *h.Type
	}
	switch t {
	case corev1.HostPathDirectoryOrCreate:
		return h.Path, os.MkdirAll(h.Path, 0o755)
	case corev1.HostPathFileOrCreate:
		f, err := os.OpenFile(h.Path, os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
		}
		return h.Path, err
	case corev1.HostPathUnset:
		return h.Path, nil
	default:
		_, err := os.Stat(h.Path)
		return h.Path, err
	}
}

func fileMode(m *int32) os.FileMode {
	if m == nil {
		return defaultFileMode
	}
	return os.FileMode(*m)
}

// writeKeys writes data (all keys, or only items with their paths and modes) into dir.
func writeKeys(dir string, data map[string][]byte, items []corev1.KeyToPath, mode *int32) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if len(items) == 0 {
		for k, v := range data {
			if err := writeFile(dir, k, v, fileMode(mode)); err != nil {
				return err
			}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			return fmt.Errorf("no key %q", it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = it.Mode
		}
		if err := writeFile(dir, it.Path, v, fileMode(m)); err != nil {
			return err
		}
	}
	return nil
}

// writeFile refuses paths that leave dir (the API server validates them too).
func writeFile(dir, rel string, data []byte, mode os.FileMode) error {
	p := filepath.Join(dir, rel)
	if !strings.HasPrefix(p, filepath.Clean(dir)+string(os.PathSeparator)) {
		return fmt.Errorf("path %q leaves the volume", rel)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		return err
	}
	return os.Chmod(p, mode) // WriteFile's mode is masked by the umask.
}

func writeSecret(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, dir, name string,
	items []corev1.KeyToPath, optional *bool, mode *int32) error {
	s, err := client.CoreV1().Secrets(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional != nil && *optional {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("secret %q: %w", name, err)
	}
	return writeKeys(dir, s.Data, items, mode)
}

func writeConfigMap(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, dir, name string,
	items []corev1.KeyToPath, optional *bool, mode *int32) error {
	cm, err := client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional != nil && *optional {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("configMap %q: %w", name, err)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return writeKeys(dir, data, items, mode)
}

// downwardValue supports the fields a training pod reads from files.
func downwardValue(pod *corev1.Pod, f *corev1.DownwardAPIVolumeFile) (string, error) {
	if f.FieldRef == nil {
		return "", fmt.Errorf("%s: only fieldRef is supported", f.Path)
	}
	switch f.FieldRef.FieldPath {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	}
	return "", fmt.Errorf("%s: field %q is not supported", f.Path, f.FieldRef.FieldPath)
}

func formatMap(m map[string]string) string {
	var lines []string
	for k, v := range m {
		lines = append(lines, fmt.Sprintf("%s=%q", k, v))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func writeDownwardAPI(pod *corev1.Pod, dir string, items []corev1.DownwardAPIVolumeFile, mode *int32) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range items {
		v, err := downwardValue(pod, &items[i])
		if err != nil {
			return err
		}
		m := mode
		if items[i].Mode != nil {
			m = items[i].Mode
		}
		if err := writeFile(dir, items[i].Path, []byte(v), fileMode(m)); err != nil {
			return err
		}
	}
	return nil
}

func writeProjected(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, dir string,
	p *corev1.ProjectedVolumeSource) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, src := range p.Sources {
		var err error
		switch {
		case src.ServiceAccountToken != nil:
			err = writeToken(ctx, client, pod, dir, src.ServiceAccountToken, p.DefaultMode)
		case src.Secret != nil:
			err = writeSecret(ctx, client, pod, dir, src.Secret.Name, src.Secret.Items, src.Secret.Optional, p.DefaultMode)
		case src.ConfigMap != nil:
			err = writeConfigMap(ctx, client, pod, dir, src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional, p.DefaultMode)
		case src.DownwardAPI != nil:
			err = writeDownwardAPI(pod, dir, src.DownwardAPI.Items, p.DefaultMode)
		default:
			err = fmt.Errorf("only serviceAccountToken, secret, configMap and downwardAPI sources are supported")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeToken asks the API server for a token bound to this pod, as the
// kubelet does, so in-cluster clients in the pod authenticate as its
// service account.
func writeToken(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, dir string,
	t *corev1.ServiceAccountTokenProjection, mode *int32) error {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: t.ExpirationSeconds,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	if t.Audience != "" {
		req.Spec.Audiences = []string{t.Audience}
	}
	tr, err := client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("token for service account %q: %w", sa, err)
	}
	m := mode
	if m == nil {
		m = new(int32(0o600)) // Tokens are not world-readable.
	}
	return writeFile(dir, t.Path, []byte(tr.Status.Token), fileMode(m))
}
