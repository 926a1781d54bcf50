package main

// version is the washscan release, set at link time with
// -ldflags "-X main.version=…" for releases.
var version = "0.1.0-dev"
