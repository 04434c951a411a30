package rules

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The realistic benchmarks, in one run (per core, as the issue measures):
//
//	go test -run XXX -bench 'ScoreBuiltin|Realistic|LoadRules' -benchmem -cpu 1 ./rules/
//
// BenchmarkScoreRealistic scores the dev corpus with the built-in rules
// plus 100, 1,000 and 5,000 region variants of each kind; compare its MB/s
// with BenchmarkScoreBuiltin's. BenchmarkLoadRules compiles each set as a
// reload does (the gazetteer shared) and, once per size, loads it in a
// fresh process as `tocsin --rules DIR` does (gazetteer, prior and rules),
// reporting that process's CPU time and peak resident memory.

// BenchmarkScoreRealistic scores the dev corpus with realistic rule sets.
func BenchmarkScoreRealistic(b *testing.B) {
	for _, kind := range []variantKind{regionInMatch, regionAsContext} {
		for _, n := range realisticSizes {
			b.Run(fmt.Sprintf("%s-%d", kind, n), func(b *testing.B) {
				benchScore(b, realisticSet(b, kind, n))
			})
		}
	}
}

// BenchmarkLoadRules compiles the built-in rules and the realistic sets.
func BenchmarkLoadRules(b *testing.B) {
	gaz := shared(b).Gazetteer()
	sizes := append([]int{0}, realisticSizes...)
	for _, kind := range []variantKind{regionInMatch, regionAsContext} {
		for _, n := range sizes {
			if n == 0 && kind != regionInMatch {
				continue
			}
			name := fmt.Sprintf("%s-%d", kind, n)
			if n == 0 {
				name = "builtin"
			}
			b.Run(name, func(b *testing.B) {
				src := realisticSources(b, kind, n)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Compile(src, WithGazetteer(gaz)); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				cpu, rss := loadInChild(b, src)
				b.ReportMetric(float64(cpu.Milliseconds()), "load-cpu-ms")
				b.ReportMetric(rss, "peak-RSS-MiB")
			})
		}
	}
}

// loadEnv names the rule directory a child test process loads and exits
// (TestMain), so that its peak resident memory is the load's alone.
const loadEnv = "TOCSIN_BENCH_LOAD_RULES"

// loadInChild writes the sources to a directory and loads it in a fresh
// process of this test binary, returning its CPU time and peak RSS in MiB
// (the child's own high-water mark, VmHWM: the rusage of a child started
// by a large parent counts the parent's pages).
func loadInChild(b *testing.B, src map[string][]byte) (time.Duration, float64) {
	b.Helper()
	dir := b.TempDir()
	for name, data := range src {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), loadEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("load in child: %v: %s", err, out)
	}
	var kb float64
	if _, err := fmt.Sscanf(string(out), "VmHWM: %f kB", &kb); err != nil {
		b.Fatalf("load in child: no peak memory in %q", out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), kb / 1024
}

// peakRSS returns this process's "VmHWM: N kB" line from /proc.
func peakRSS() (string, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.Join(strings.Fields(line), " "), nil
		}
	}
	return "", fmt.Errorf("no VmHWM in /proc/self/status")
}

// TestMain runs the tests, or, in the child of loadInChild, only loads a
// rule directory the way the service and the CLI do.
func TestMain(m *testing.M) {
	if dir := os.Getenv(loadEnv); dir != "" {
		if _, err := LoadDir(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		hwm, err := peakRSS()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(hwm)
		os.Exit(0)
	}
	os.Exit(m.Run())
}
