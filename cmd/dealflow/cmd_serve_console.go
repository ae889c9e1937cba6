package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/dealflow/dealflow/local/server"
)

// minConsoleToken keeps a console reachable from the network from being guarded by a short token.
const minConsoleToken = 16

// checkConsoleAccess allows a console without a token only on a loopback address: anything else
// can be reached by other machines.
func checkConsoleAccess(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v", addr, err)
	}
	if token != "" {
		if len(token) < minConsoleToken {
			return fmt.Errorf("the console token must be at least %d characters", minConsoleToken)
		}
		return nil
	}
	if isLoopback(host) {
		return nil
	}
	return fmt.Errorf("--addr %s is reachable from other machines: set --console-token or %s to protect the console, or listen on 127.0.0.1", addr, server.ConsoleTokenEnv)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
