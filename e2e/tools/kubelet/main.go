// runledger-kubelet is the local cluster's kubelet stand-in: a node whose pods
// run as processes on this host, each container in a private mount namespace
// (bubblewrap), so e2e tests and the demo run real code. virtual-kubelet keeps
// the Node, its Lease and the pods' status in step with the API server and
// serves the kubelet API (`kubectl logs`); this program is its provider.
//
// It is a test tool, not a kubelet: nothing is pulled (the host's filesystem
// stands in for every image), there is no network isolation, no resource
// limits and no restarts. docs/local-cluster.md says what it does and does not.
//
//	runledger-kubelet --kubeconfig FILE --state-dir DIR [--node-name NAME]
//
// SIGTERM or SIGINT: terminates the pods' processes (SIGTERM, then SIGKILL
// after a short grace), deletes the Node and its Lease, and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	vklog "github.com/virtual-kubelet/virtual-kubelet/log"
	vkslog "github.com/virtual-kubelet/virtual-kubelet/log/slog"
	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster (required)")
	stateDir := flag.String("state-dir", "", "directory for the pods' volumes, logs and termination messages (required)")
	nodeName := flag.String("node-name", defaultNodeName, "name of the Node to register")
	shutdownGrace := flag.Duration("shutdown-grace", 5*time.Second,
		"on SIGTERM, how long running pods get between SIGTERM and SIGKILL")
	verbose := flag.Bool("v", false, "debug logging (virtual-kubelet's included)")
	flag.Parse()
	if *kubeconfig == "" || *stateDir == "" {
		fmt.Fprintln(os.Stderr, "usage: runledger-kubelet --kubeconfig FILE --state-dir DIR [--node-name NAME]")
		os.Exit(2)
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)
	// virtual-kubelet logs through its own interface; without this it is silent.
	vklog.L = vkslog.FromSlog(logger)

	if err := run(*kubeconfig, *stateDir, *nodeName, *shutdownGrace); err != nil {
		slog.Error("runledger-kubelet failed", "err", err)
		os.Exit(1)
	}
}

func run(kubeconfig, stateDir, nodeName string, shutdownGrace time.Duration) error {
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		return fmt.Errorf("bubblewrap (bwrap) is needed to run pods; e2e/setup installs it: %w", err)
	}
	stateDir, err = filepath.Abs(stateDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(stateDir, "pods"), 0o755); err != nil {
		return err
	}
	restConfig, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return err
	}

	// Signals stop the program; the node's own context ends later, after the
	// pods' final statuses have gone through it.
	sigCtx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The kubelet API listens before the Node exists: the Node must name its port.
	api, err := listenKubeletAPI(nodeName)
	if err != nil {
		return err
	}
	defer api.Close()

	// Claimed before the Node is registered, so no other node controller
	// (kwok's, if misconfigured) sees an unheld lease and takes the node over.
	if err := claimLease(ctx, client, nodeName); err != nil {
		return fmt.Errorf("claiming the node lease: %w", err)
	}

	// virtual-kubelet makes a client of its own from $KUBECONFIG before using
	// ours, and warns when it cannot.
	os.Setenv("KUBECONFIG", kubeconfig)
	provider := newProvider(client, filepath.Join(stateDir, "pods"), bwrap, nodeName)
	n, err := nodeutil.NewNode(nodeName,
		func(nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
			return provider, nil, nil // nil: virtual-kubelet's own node provider marks it Ready.
		},
		nodeutil.WithClient(client),
		func(cfg *nodeutil.NodeConfig) error {
			cfg.NodeSpec = nodeSpec(nodeName, api.Port())
			cfg.NumWorkers = 2 // The machine has 2 cores; pods run in their own goroutines anyway.
			return nil
		},
	)
	if err != nil {
		return err
	}
	api.Serve(provider)

	runErr := make(chan error, 1)
	go func() { runErr <- n.Run(ctx) }()
	if err := n.WaitReady(sigCtx, 2*time.Minute); err != nil {
		cancel()
		shutdown(client, nodeName, provider, shutdownGrace)
		return fmt.Errorf("node did not get ready: %w", err)
	}
	slog.Info("node ready", "node", nodeName, "kubelet-api", api.Addr(), "taint", hostTaint.ToString(),
		"label", hostLabelKey+"="+hostLabelValue)

	select {
	case <-sigCtx.Done():
		slog.Info("stopping", "reason", "signal")
		err = nil
	case err = <-runErr:
		slog.Error("node controller stopped", "err", err)
	}
	// Pods first, while the node controller still runs, so their final
	// statuses reach the API server; then the node itself.
	provider.StopAll(shutdownGrace)
	cancel()
	select {
	case <-n.Done():
	case <-time.After(10 * time.Second):
	}
	shutdown(client, nodeName, provider, shutdownGrace)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// shutdown ends every pod's processes and removes the Node, so the cluster
// never shows a Ready host node that nothing serves (and no one else adopts it).
func shutdown(client kubernetes.Interface, nodeName string, p *provider, grace time.Duration) {
	p.StopAll(grace)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := deleteNode(ctx, client, nodeName); err != nil {
		slog.Error("deleting the node", "node", nodeName, "err", err)
		return
	}
	slog.Info("node deleted", "node", nodeName)
}
