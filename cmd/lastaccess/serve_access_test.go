package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeDefaultListenIsLoopback: without --listen, serve listens on
// 127.0.0.1:3306 only (SPEC §5.2 security): the flag's default is a
// loopback address, and a server started without the flag cannot be
// reached on this host's other addresses. (The second half runs only
// when port 3306 is free.)
func TestServeDefaultListenIsLoopback(t *testing.T) {
	for _, name := range []string{envUser, envPassword, envReadOnlyUser, envReadOnlyPassword} {
		t.Setenv(name, "")
	}
	c, err := parseServeFlags(&env{}, []string{"--password", "pw"})
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(c.listen)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() || port != "3306" {
		t.Fatalf("default --listen %q, want a loopback address on port 3306", c.listen)
	}
	serve, _ := findCommand(commandTable(), []string{"serve"})
	var help bytes.Buffer
	writeCommandHelp(&help, serve, commandFlags(context.Background(), &env{}, serve))
	if !strings.Contains(help.String(), "--listen VALUE") || !strings.Contains(help.String(), "(default 127.0.0.1:3306)") {
		t.Errorf("help does not show the default listen address:\n%s", help.String())
	}

	// A real server without --listen.
	probe, err := net.Listen("tcp", c.listen)
	if err != nil {
		t.Logf("%s is in use (%v): not starting a server on it", c.listen, err)
		return
	}
	probe.Close()
	data := loadedSample(t)
	cmd := exec.Command(binary, "--data", data, "serve")
	cmd.Env = append(os.Environ(), "LASTACCESS_DATA=", "LASTACCESS_USER=root", "LASTACCESS_PASSWORD=pw",
		"LASTACCESS_READONLY_USER=", "LASTACCESS_READONLY_PASSWORD=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			for _, f := range strings.Fields(sc.Text()) {
				if a, ok := strings.CutPrefix(f, "listen="); ok {
					listening <- a
				}
			}
		}
		exited <- cmd.Wait()
	}()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("serve exit: %v", err)
			}
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Error("serve did not stop on SIGTERM")
		}
	}()
	select {
	case addr := <-listening:
		if addr != "127.0.0.1:3306" {
			t.Fatalf("serve without --listen listens on %s", addr)
		}
	case err := <-exited:
		exited <- err
		t.Fatalf("serve exited: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:3306", 5*time.Second); err != nil {
		t.Fatalf("loopback: %v", err)
	} else {
		conn.Close()
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	others := 0
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok || ipnet.IP.IsLoopback() || ipnet.IP.IsLinkLocalUnicast() {
			continue
		}
		others++
		target := net.JoinHostPort(ipnet.IP.String(), "3306")
		if conn, err := net.DialTimeout("tcp", target, 2*time.Second); err == nil {
			conn.Close()
			t.Errorf("serve without --listen accepts connections on %s", target)
		}
	}
	t.Logf("refused on %d non-loopback addresses", others)
}

// TestServeRefusesUsersWithoutPassword: every way of naming an account
// without its password is refused before anything listens, unless
// --insecure-no-password says so.
func TestServeRefusesUsersWithoutPassword(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		ok   bool
	}{
		{nil, nil, false},
		{map[string]string{envUser: "ops"}, nil, false},
		{map[string]string{envPassword: "pw", envReadOnlyUser: "viewer"}, nil, false},
		{nil, []string{"--user", "ops", "--password", ""}, false},
		{nil, []string{"--password", "pw", "--readonly-user", "viewer", "--readonly-password", ""}, false},
		{map[string]string{envPassword: "pw", envReadOnlyUser: "viewer", envReadOnlyPassword: "pw2"}, nil, true},
		{nil, []string{"--insecure-no-password"}, true},
		{nil, []string{"--insecure-no-password", "--readonly-user", "viewer"}, true},
	} {
		for _, name := range []string{envUser, envPassword, envReadOnlyUser, envReadOnlyPassword} {
			t.Setenv(name, c.env[name])
		}
		_, err := parseServeFlags(&env{}, c.args)
		if (err == nil) != c.ok {
			t.Errorf("env %v, args %q: %v, want accepted %v", c.env, c.args, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "no password") {
			t.Errorf("env %v, args %q: %v does not say which password is missing", c.env, c.args, err)
		}
	}
}
