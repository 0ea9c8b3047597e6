//go:build !linux

package storage

// trimResident does nothing where MADV_PAGEOUT is not available.
func trimResident(string) {}
