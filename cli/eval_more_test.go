package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/rules"
)

func TestLocationMatchesWholeNamesOnly(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	same := sameGazPlace(set)
	for _, tc := range []struct {
		pred, label string
		want        bool
	}{
		{"Niamey, Niger", "Nigeria", false},   // never by overlap
		{"Abuja, Nigeria", "Niger", false},    // nor the other way
		{"Juba, South Sudan", "Sudan", false}, // South Sudan is not Sudan
		{"Khartoum, Sudan", "Sudan", true},    // a country-only label takes any place in it
		{"Aleppo, Syria", "Aleppo Governorate, Syria", true},
		{"Kyiv, Ukraine", "Kiev, Ukraine", true}, // a gazetteer alias
		{"Ariha, Syria", "Al-Rastan and Ariha, Syria", true},
		{"Juba, South Sudan", "Nasir, Upper Nile, and Juba, South Sudan", true},
		{"Raqqa, Syria", "Paris, France; Raqqa, Syria", true},
		{"Sirnak, Turkey", "Şırnak Province, Turkey", true},
		{"Syria", "Aleppo, Syria", false}, // a country is too coarse for a city label
		{"", "Aleppo, Syria", false},
	} {
		if got := locationMatches(tc.pred, tc.label, same); got != tc.want {
			t.Errorf("locationMatches(%q, %q) = %v, want %v", tc.pred, tc.label, got, tc.want)
		}
	}
}

func TestEvalRefusesUnlabelledLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.jsonl")
	lines := `{"id":"a","text":"Missiles struck Kyiv.","label":{"escalation":true,"categories":["airstrike"],"severity":"medium","location":"Kyiv, Ukraine"}}
{"id":"b","text":"Unlabelled line."}
`
	if err := os.WriteFile(p, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "eval", p)
	if code != ExitUsage || !strings.Contains(errOut, "c.jsonl:2: b: no usable label") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming the file, line and id", code, errOut)
	}
	bad := strings.Replace(lines, `"escalation":true,`, "", 1)
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "eval", p); code != ExitUsage || !strings.Contains(errOut, "c.jsonl:1: a: label has no escalation field") {
		t.Fatalf("a label without escalation: exit %d, stderr %q", code, errOut)
	}
}

// TestEvalWeakLabels: on a weakly labelled file the alert rate per weak
// label and per section equals what `score` says of the same items.
func TestEvalWeakLabels(t *testing.T) {
	items := []struct{ text, weak, section string }{
		{"Militants storm a hotel in Mogadishu, killing 15 people.", "conflict", "Armed conflicts and attacks"},
		{"A roadside bomb kills three police officers in Kandahar.", "conflict", "Armed conflicts and attacks"},
		{"Peace talks resume in Geneva.", "conflict", "Armed conflicts and attacks"},
		{"A gas explosion at a chemical factory kills 12 workers.", "not_conflict", "Disasters and accidents"},
		{"The Warriors launch an offensive in the second half.", "not_conflict", "Sports"},
		{"Parliament passes the budget.", "mixed", "Politics and elections"},
	}
	var b strings.Builder
	for i, it := range items {
		j, _ := json.Marshal(map[string]string{"id": fmt.Sprint("w", i), "text": it.text, "weak_label": it.weak,
			"section": it.section, "published": "2016-05-01T12:00:00Z"})
		b.Write(j)
		b.WriteByte('\n')
	}
	p := filepath.Join(t.TempDir(), "weak.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "eval", "--json", p)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var m struct {
		Weak struct {
			ByLabel   map[string]Rate `json:"by_weak_label"`
			BySection map[string]Rate `json:"by_section"`
		} `json:"weak"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	_, sout, _ := runCLI(t, "", "score", "--format", "jsonl", p)
	vs := verdicts(t, sout)
	want := map[string][2]int{}
	for i, it := range items {
		w := want[it.weak]
		w[1]++
		if vs[i].Alert {
			w[0]++
		}
		want[it.weak] = w
	}
	for k, w := range want {
		got := m.Weak.ByLabel[k]
		if got.Num != w[0] || got.Den != w[1] {
			t.Errorf("%s: %d/%d alerts, score says %d/%d", k, got.Num, got.Den, w[0], w[1])
		}
	}
	if r := m.Weak.BySection["not_conflict / Sports"]; r.Den != 1 {
		t.Errorf("by section lacks not_conflict / Sports: %+v", m.Weak.BySection)
	}
	code, text, _ := runCLI(t, "", "eval", "-v", p)
	if code != ExitOK || !strings.Contains(text, "alerting conflict items") || !strings.Contains(text, "w0") {
		t.Errorf("-v should list the alerting items:\n%s", text)
	}
}

func TestWilsonInterval(t *testing.T) {
	// Reference values: Wilson score interval, z = 1.96.
	for _, tc := range []struct {
		k, n      int
		low, high float64
	}{
		{2, 3, 0.2077, 0.9385},
		{0, 10, 0, 0.2775},
		{88, 91, 0.9076, 0.9887},
	} {
		r := wilson(tc.k, tc.n)
		if d := r.Low - tc.low; d > 1e-3 || d < -1e-3 {
			t.Errorf("wilson(%d,%d) low %.4f, want %.4f", tc.k, tc.n, r.Low, tc.low)
		}
		if d := r.High - tc.high; d > 1e-3 || d < -1e-3 {
			t.Errorf("wilson(%d,%d) high %.4f, want %.4f", tc.k, tc.n, r.High, tc.high)
		}
	}
}
