package main

// The kubelet API (`kubectl logs` goes API server -> here), on loopback only,
// over TLS with a certificate made at start. The local API server verifies no
// kubelet serving certificate and presents no client certificate, so anyone
// on this host who can reach the port may read the pods' logs: acceptable for
// a test cluster, and the reason it never listens beyond 127.0.0.1.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"time"

	vkapi "github.com/virtual-kubelet/virtual-kubelet/node/api"
)

type kubeletAPI struct {
	listener net.Listener
	server   *http.Server
}

// listenKubeletAPI binds a free loopback port now (race-free, unlike picking
// a port and binding later); Serve starts answering on it.
func listenKubeletAPI(nodeName string) (*kubeletAPI, error) {
	cert, err := selfSignedCert(nodeName)
	if err != nil {
		return nil, err
	}
	l, err := tls.Listen("tcp", net.JoinHostPort(loopback, "0"), &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
	})
	if err != nil {
		return nil, err
	}
	return &kubeletAPI{listener: l}, nil
}

func (a *kubeletAPI) Port() int32  { return int32(a.listener.Addr().(*net.TCPAddr).Port) }
func (a *kubeletAPI) Addr() string { return a.listener.Addr().String() }

// Serve answers the kubelet routes virtual-kubelet implements from p: logs,
// the pod list, and exec/attach/port-forward (which p refuses).
func (a *kubeletAPI) Serve(p *provider) {
	handler := vkapi.PodHandler(vkapi.PodHandlerConfig{
		RunInContainer:        p.RunInContainer,
		AttachToContainer:     p.AttachToContainer,
		PortForward:           p.PortForward,
		GetContainerLogs:      p.GetContainerLogs,
		GetPods:               p.GetPods,
		GetPodsFromKubernetes: p.GetPods,
		StreamIdleTimeout:     30 * time.Minute,
		StreamCreationTimeout: 30 * time.Second,
	}, false)
	a.server = &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second}
	go func() {
		if err := a.server.Serve(a.listener); err != nil && err != http.ErrServerClosed {
			slog.Error("kubelet API stopped", "err", err)
		}
	}()
}

func (a *kubeletAPI) Close() {
	if a.server != nil {
		a.server.Close()
	}
	a.listener.Close()
}

func selfSignedCert(nodeName string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: nodeName},
		DNSNames:     []string{nodeName, "localhost"},
		IPAddresses:  []net.IP{net.ParseIP(loopback)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
