package main

import "testing"

// TestByteSizeFlag: sizes as mysqld takes them, and clear refusals.
func TestByteSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "64M": 64 << 20, "1g": 1 << 30, "16k": 16 << 10, "0": 0} {
		var b byteSize
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("%q: %d %v, want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "M", "-1", "1.5M", "64MB", "99999999999G"} {
		var b byteSize
		if err := b.Set(in); err == nil {
			t.Errorf("%q: accepted as %d", in, b)
		}
	}
	if s := byteSize(64 << 20); s.String() != "64M" {
		t.Errorf("String %q", s.String())
	}
	// The limits' flags are validated as MySQL validates the variables.
	env := &env{}
	for _, args := range [][]string{
		{"--insecure-no-password", "--connect-timeout", "1s"},
		{"--insecure-no-password", "--max-allowed-packet", "512"},
		{"--insecure-no-password", "--wait-timeout", "1500ms"},
		{"--insecure-no-password", "--max-connections", "-1"},
	} {
		if _, err := parseServeFlags(env, args); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	c, err := parseServeFlags(env, []string{"--insecure-no-password", "--max-allowed-packet", "16M", "--max-execution-time", "2s"})
	if err != nil || c.limits.MaxAllowedPacket != 16<<20 || c.limits.MaxExecutionTime.Seconds() != 2 || c.limits.MaxConnections != 151 {
		t.Fatalf("%+v %v", c, err)
	}
}
