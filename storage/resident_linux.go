package storage

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// trimResident asks the kernel to page out this process's mappings of the
// files under dir (MADV_PAGEOUT: clean pages are dropped, dirty ones
// written back first; the data stays in the files). It reads the mappings
// from /proc/self/maps. A mapping Badger replaces in the meantime can
// only make the advice land on other memory, where PAGEOUT at worst moves
// pages to swap: it never changes contents, unlike MADV_DONTNEED. Errors
// are ignored: this only lowers memory use.
func trimResident(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	prefix := []byte(abs + string(filepath.Separator))
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(maps))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := bytes.Fields(sc.Bytes())
		if len(fields) < 6 || !bytes.HasPrefix(fields[5], prefix) {
			continue
		}
		start, end, ok := bytes.Cut(fields[0], []byte("-"))
		if !ok {
			continue
		}
		lo, err1 := strconv.ParseUint(string(start), 16, 64)
		hi, err2 := strconv.ParseUint(string(end), 16, 64)
		if err1 != nil || err2 != nil || hi <= lo {
			continue
		}
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, uintptr(lo), uintptr(hi-lo), unix.MADV_PAGEOUT)
	}
}
