package storage

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// ErrNoSpace is returned (wrapped, with the figures) when a bulk write
// would leave less free space than Options.MinFreeSpace. Badger writes
// its log and tables through memory maps, and a write into a map on a
// full disk kills the process with SIGBUS instead of returning an error:
// refusing early turns that into a clear error, with everything committed
// before it intact.
var ErrNoSpace = errors.New("storage: not enough free space")

// ensureSpace checks the filesystem of the data directory.
func (s *Store) ensureSpace() error {
	if s.minFree <= 0 {
		return nil
	}
	var st unix.Statfs_t
	if err := unix.Statfs(s.dir, &st); err != nil {
		return nil // cannot tell: let the write try
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if free < s.minFree {
		return fmt.Errorf("%w on %s: %d MiB left, and writing needs at least %d MiB (for the write-ahead log, table flushes and compactions); free some space and run the command again",
			ErrNoSpace, s.dir, free>>20, s.minFree>>20)
	}
	return nil
}
