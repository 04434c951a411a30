package geo

import (
	"bufio"
	"embed"
	"fmt"
	"strconv"
	"strings"
)

//go:embed data/countries.tsv data/regions.tsv data/cities.tsv data/places.tsv data/deny.txt data/coords.tsv data/coords-manual.tsv
var dataFS embed.FS

// record is one parsed data line before places are linked together.
type record struct {
	file    string
	line    int
	cc      string
	name    string
	aliases []string
	extra   []string // remaining columns, file-specific
}

// readTSV parses a tab-separated data file, skipping blank and # lines.
// Columns beyond the line's end read as empty.
func readTSV(name string, cols int) ([]record, error) {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("geo: read %s: %w", name, err)
	}
	var out []record
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r\t ")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 || len(f) > cols {
			return nil, fmt.Errorf("geo: %s:%d: want 2..%d tab-separated columns, got %d", name, n, cols, len(f))
		}
		for len(f) < cols {
			f = append(f, "")
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if f[1] == "" {
			return nil, fmt.Errorf("geo: %s:%d: empty name", name, n)
		}
		out = append(out, record{file: name, line: n, cc: f[0], name: f[1], extra: f[2:]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("geo: scan %s: %w", name, err)
	}
	return out, nil
}

// splitList splits a ;-separated column, dropping empty items.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ";")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parsePopulation reads "1234", "80k", "2.5M" or "" (zero).
func parsePopulation(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	mult := 1.0
	switch s[len(s)-1] {
	case 'k', 'K':
		mult, s = 1e3, s[:len(s)-1]
	case 'M', 'm':
		mult, s = 1e6, s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad population %q", s)
	}
	return int(f*mult + 0.5), nil
}

// pluralDemonym gives the plural English uses for a demonym, or "" when it
// is invariable ("Chinese", "Swiss", "French", "British").
func pluralDemonym(d string) string {
	l := strings.ToLower(d)
	for _, suf := range []string{"ese", "ss", "ch", "sh", "i", "y"} {
		if strings.HasSuffix(l, suf) && suf != "i" {
			return ""
		}
	}
	if strings.HasSuffix(l, "man") {
		return d[:len(d)-3] + "men"
	}
	return d + "s"
}
