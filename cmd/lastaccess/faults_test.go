package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lastaccess/internal/gen"
)

// These tests make real resource faults with a small tmpfs: a full disk
// and a read-only data directory. Mounting needs root with CAP_SYS_ADMIN;
// without it they are skipped (storage's injected commit failures in
// engine's TestCommitFailure cover the same path everywhere).

// smallFS mounts a tmpfs of size MiB and unmounts it at the end.
func smallFS(t *testing.T, sizeMiB int) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", sizeMiB), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); the injected-fault tests cover this path", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// allocatedSize is the disk space dir's files take (Badger's memory-mapped
// files are sparse, so their apparent size says little).
func allocatedSize(t *testing.T, dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				if st, ok := info.Sys().(*syscall.Stat_t); ok {
					n += st.Blocks * 512
				}
			}
		}
		return nil
	})
	return n
}

func remount(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s: %v %s", opts, err, out)
	}
}

func faultExport(t *testing.T) (orgFile, logs string) {
	t.Helper()
	dir := t.TempDir()
	cfg := gen.Sample()
	cfg.Accounts, cfg.Records, cfg.RecordsPerFile = 20, 60_000, 200
	org, err := gen.Organization(cfg)
	if err != nil {
		t.Fatal(err)
	}
	orgFile = filepath.Join(dir, "org.json")
	f, _ := os.Create(orgFile)
	org.WriteOrgJSON(f)
	f.Close()
	if _, err := gen.WriteExport(cfg, dir); err != nil {
		t.Fatal(err)
	}
	return orgFile, filepath.Join(dir, "AWSLogs")
}

// TestDiskFull: an ingest that runs out of space fails with a clear error,
// leaves what it stored consistent, and the same ingest succeeds once there
// is room, ending as a clean ingest does.
func TestDiskFull(t *testing.T) {
	orgFile, logs := faultExport(t)
	clean := cli{t, filepath.Join(t.TempDir(), "clean")}
	clean.ok("org", "import", orgFile)
	clean.ok("ingest", "--no-progress", logs)
	want := clean.check()
	// Room for the 64 MiB reserve and 1 MiB more: a fraction of what the
	// ingest needs, and several of its batches, so the reserve check
	// refuses one part way. (Half the directory's size was not enough:
	// with compressed blocks it left room for all but the last batch, and
	// on CI's machine the ingest fit.)
	const headroomMiB = 1
	if used := allocatedSize(t, clean.data); used < 2*headroomMiB<<20 {
		t.Fatalf("the clean ingest uses %d KiB: too little for a filesystem with %d MiB of room to refuse it", used>>10, headroomMiB)
	}
	mnt := smallFS(t, 64+headroomMiB)

	c := cli{t, filepath.Join(mnt, "data")}
	c.ok("org", "import", orgFile)
	r := c.run("ingest", "--no-progress", logs)
	if r.code == 0 {
		t.Fatalf("the ingest fit in a filesystem half its size:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout+r.stderr, "not enough free space") {
		t.Fatalf("exit %d without a clear error:\n%s%s", r.code, r.stdout, r.stderr)
	}
	remount(t, mnt, "size=512m")
	c.ok("ingest", "--no-progress", logs)
	if got := c.check(); got != want {
		t.Fatalf("after the disk-full failure and a re-run: %+v, clean %+v", got, want)
	}
}

// TestReadOnlyDataDirectory: a data directory that cannot be written gives
// a clear error and works again once writable.
func TestReadOnlyDataDirectory(t *testing.T) {
	mnt := smallFS(t, 256)
	c := cli{t, filepath.Join(mnt, "data")}
	c.ok("org", "import", repoPath("testdata", "aws-sample", "org.json"))
	remount(t, mnt, "ro")
	r := c.run("ingest", "--no-progress", repoPath("testdata", "aws-sample", "AWSLogs"))
	if r.code == 0 || !strings.Contains(r.stderr, "read-only file system") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	remount(t, mnt, "rw")
	out := c.ok("ingest", "--no-progress", repoPath("testdata", "aws-sample", "AWSLogs"))
	if !strings.Contains(out, "14 ingested") {
		t.Fatalf("after making it writable:\n%s", out)
	}
	c.check()
}
