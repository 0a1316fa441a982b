package main

// The bubblewrap command line for one container: a private mount namespace
// whose root is a tmpfs holding read-only binds of the host's tree (the
// "image") with the pod's volumes bound over it.
//
// Why not `bwrap --bind / / --bind VOLUME /mount/path`: bwrap creates a missing
// mount point inside the bound tree, which is the host's real root, so every
// pod would leave directories behind on the host (and fail on a read-only
// one). Instead each directory on the way to a mount point is made on the
// tmpfs and filled with binds of the host directory's entries, one by one;
// the mount point itself then lives on the tmpfs too.

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// mount is a volume (or file) bound into the sandbox.
type mount struct {
	source   string // on the host
	target   string // absolute, inside the sandbox
	readOnly bool
}

// Top-level directories the sandbox gets fresh, not from the host: its own
// /proc, a minimal /dev, a private /tmp (as a container's), and /sys read-only.
var specialDirs = map[string]bool{"/proc": true, "/dev": true, "/tmp": true, "/sys": true}

func specialArgs() []string {
	return []string{"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", "/sys", "/sys"}
}

// sandboxArgs returns bwrap's options (without the command) for a process
// with the given mounts, working directory and info fd (bwrap writes the
// child's pid there).
func sandboxArgs(mounts []mount, workingDir string, infoFD int) []string {
	args := []string{
		"--die-with-parent", // A killed kubelet leaves no pod processes behind.
		"--new-session",     // The command leads its own process group: SIGTERM reaches it, not bwrap.
		"--info-fd", itoa(infoFD),
	}
	resolved := make([]mount, 0, len(mounts))
	for _, m := range mounts {
		m.target = resolveTarget(m.target)
		resolved = append(resolved, m)
	}
	// Shallow first, so a volume inside another volume is bound on top of it.
	sort.SliceStable(resolved, func(i, j int) bool { return depth(resolved[i].target) < depth(resolved[j].target) })

	targets := map[string]bool{}
	for _, m := range resolved {
		targets[m.target] = true
	}
	if workingDir == "" {
		workingDir = "/"
	}
	workingDir = resolveTarget(workingDir)
	// A runtime makes a missing workingDir; here it is made on the tmpfs (a
	// directory on the way to it is split like one on the way to a mount).
	makeWorkingDir := !insideVolume(workingDir, targets) && !exists(workingDir)
	splitFor := resolved
	if makeWorkingDir {
		splitFor = append(splitFor[:len(splitFor):len(splitFor)], mount{target: workingDir})
	}
	split := splitDirs(splitFor, targets)
	args = append(args, hostTree("/", split, targets)...)
	args = append(args, specialArgs()...)
	for _, m := range resolved {
		flag := "--bind"
		if m.readOnly {
			flag = "--ro-bind"
		}
		args = append(args, flag, m.source, m.target)
	}
	if makeWorkingDir {
		args = append(args, "--dir", workingDir)
	}
	return append(args, "--chdir", workingDir)
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// resolveTarget follows symlinks in the part of a mount path that exists on
// the host, as a runtime resolves it inside the image: /var/run/x becomes
// /run/x where /var/run links to /run. Paths under the special directories
// are the sandbox's own and left alone.
func resolveTarget(target string) string {
	target = filepath.Clean("/" + target)
	if specialDirs[topLevel(target)] {
		return target
	}
	existing, rest := target, ""
	for existing != "/" {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = filepath.Dir(existing)
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return target
	}
	return filepath.Join(real, rest)
}

// splitDirs: host directories that are proper ancestors of a mount target
// and not themselves inside a volume. These are rebuilt entry by entry.
func splitDirs(mounts []mount, targets map[string]bool) map[string]bool {
	split := map[string]bool{}
	for _, m := range mounts {
		if specialDirs[topLevel(m.target)] {
			continue
		}
		var ancestors []string
		for d := filepath.Dir(m.target); d != "/"; d = filepath.Dir(d) {
			ancestors = append(ancestors, d)
		}
		for _, d := range ancestors {
			if insideVolume(d, targets) {
				continue
			}
			if fi, err := os.Lstat(d); err == nil && fi.IsDir() {
				split[d] = true
			}
		}
	}
	return split
}

// insideVolume: d is at or below a mount target, so it is not the host's.
func insideVolume(d string, targets map[string]bool) bool {
	for p := d; ; p = filepath.Dir(p) {
		if targets[p] {
			return true
		}
		if p == "/" {
			return false
		}
	}
}

// hostTree binds the entries of host directory dir (already on the tmpfs)
// read-only, descending into split directories and leaving out mount targets.
func hostTree(dir string, split, targets map[string]bool) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var args []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case dir == "/" && specialDirs[p]:
		case targets[p]:
		case split[p]:
			args = append(args, "--dir", p)
			args = append(args, hostTree(p, split, targets)...)
		case e.Type()&os.ModeSymlink != 0:
			if link, err := os.Readlink(p); err == nil {
				args = append(args, "--symlink", link, p)
			}
		default:
			args = append(args, "--ro-bind", p, p)
		}
	}
	return args
}

func topLevel(p string) string {
	parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 2)
	return "/" + parts[0]
}

func depth(p string) int { return strings.Count(filepath.Clean(p), "/") }
