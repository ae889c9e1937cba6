package main

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// ensureJSIIEnv keeps jsii's caches inside the project (not under $HOME) and silences its
// node-20 end-of-life banner (node 20 works; README "Requirements"). jsii captures the
// environment while packages initialise, before main or TestMain runs, so when the variables are
// missing the process sets them and re-executes itself once.
func ensureJSIIEnv() {
	if os.Getenv("JSII_RUNTIME_PACKAGE_CACHE_ROOT") != "" || runtime.GOOS == "windows" {
		return
	}
	dir := ".cache"
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) { // not under -trimpath
		dir = filepath.Join(filepath.Dir(file), ".cache")
	}
	dir, _ = filepath.Abs(filepath.Join(dir, "jsii"))
	os.Setenv("JSII_RUNTIME_PACKAGE_CACHE_ROOT", dir)
	if os.Getenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION") == "" {
		os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	}
	exe, err := os.Executable()
	if err != nil {
		return // run with the defaults rather than not at all
	}
	_ = syscall.Exec(exe, os.Args, os.Environ())
}
