package geo

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// shared builds the gazetteer once for all tests, as callers do.
var shared = sync.OnceValues(New)

func gaz(t testing.TB) *Gazetteer {
	t.Helper()
	g, err := shared()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

type want struct {
	surface string // text[Start:End]
	place   string // Place.String()
	demonym bool
}

func TestFind(t *testing.T) {
	g := gaz(t)
	cases := []struct {
		name string
		text string
		want []want
	}{
		{"simple city", "Shelling hit Aleppo overnight.", []want{{"Aleppo", "Aleppo, Syria", false}}},
		{"possessive straight", "Syria's army advanced.", []want{{"Syria", "Syria", false}}},
		{"possessive curly", "Syria’s army advanced on Idlib’s outskirts.", []want{{"Syria", "Syria", false}, {"Idlib", "Idlib, Syria", false}}},
		{"hyphenated", "Gangs seized Port-au-Prince suburbs.", []want{{"Port-au-Prince", "Port-au-Prince, Haiti", false}}},
		{"hyphen and article", "Turkish troops entered Ras al-Ain and Tal Abyad.", []want{
			{"Turkish", "Turkey", true}, {"Ras al-Ain", "Ras al-Ain, Syria", false}, {"Tal Abyad", "Tal Abyad, Syria", false}}},
		{"apostrophe inside", "Airstrikes on Sana'a and Ma’rib.", []want{{"Sana'a", "Sanaa, Yemen", false}, {"Ma’rib", "Marib, Yemen", false}}},
		{"diacritics", "Protests in Côte d’Ivoire and Tillabéri.", []want{{"Côte d’Ivoire", "Ivory Coast", false}, {"Tillabéri", "Tillaberi, Niger", false}}},
		{"multi-word longest", "Fighting in North Kivu near Goma.", []want{{"North Kivu", "North Kivu, DR Congo", false}, {"Goma", "Goma, DR Congo", false}}},
		{"gaza strip vs gaza", "Strikes across the Gaza Strip; Gaza officials said.", []want{{"Gaza Strip", "Gaza Strip", false}, {"Gaza", "Gaza Strip", false}}},
		{"palestinian city", "Raids in Jenin and Rafah.", []want{{"Jenin", "Jenin, West Bank", false}, {"Rafah", "Rafah, Gaza Strip", false}}},
		{"shoal with country-less region", "Ships collided near Second Thomas Shoal in the South China Sea.", []want{
			{"Second Thomas Shoal", "Second Thomas Shoal", false}, {"South China Sea", "South China Sea", false}}},
		{"lower-case is not a place", "a mobile phone in the march to reading", nil},
		{"deny list", "Nice work. Mobile units in Reading split.", nil},
		{"acronym case", "The US and the DRC; us and drc.", []want{{"US", "United States", false}, {"DRC", "DR Congo", false}}},
		{"abbreviation dots", "U.S. forces left St. Petersburg.", []want{{"U.S", "United States", false}, {"St. Petersburg", "Saint Petersburg, Russia", false}}},
		{"no join across sentence", "He flew to Washington. State media said.", []want{{"Washington", "Washington, United States", false}}},
		{"demonym plural", "Ukrainians fled as Russian drones struck Kharkiv.", []want{
			{"Ukrainians", "Ukraine", true}, {"Russian", "Russia", true}, {"Kharkiv", "Kharkiv, Ukraine", false}}},
		{"alias spellings", "From Kiev to Zaporizhia and Deir al-Zor.", []want{
			{"Kiev", "Kyiv, Ukraine", false}, {"Zaporizhia", "Zaporizhzhia, Ukraine", false}, {"Deir al-Zor", "Deir ez-Zor, Syria", false}}},
		{"ambiguous person name", "Austin said the strike on Florence was planned; troops in Austin waited.", []want{{"Austin", "Austin, United States", false}}},
		{"region possessive", "Tigray's capital Mekelle.", []want{{"Tigray", "Tigray, Ethiopia", false}, {"Mekelle", "Mekelle, Ethiopia", false}}},
		{"country alias", "Burma, now Myanmar, and Türkiye.", []want{{"Burma", "Myanmar", false}, {"Myanmar", "Myanmar", false}, {"Türkiye", "Turkey", false}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := g.Find(tc.text)
			if len(got) != len(tc.want) {
				t.Fatalf("Find(%q) = %s, want %d mentions", tc.text, describe(tc.text, got), len(tc.want))
			}
			for i, m := range got {
				w := tc.want[i]
				if s := tc.text[m.Start:m.End]; s != w.surface || m.Place.String() != w.place || m.Demonym != w.demonym {
					t.Errorf("mention %d = %q -> %q demonym=%v, want %q -> %q demonym=%v", i, s, m.Place, m.Demonym, w.surface, w.place, w.demonym)
				}
			}
		})
	}
}

func describe(text string, ms []Mention) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("[" + text[m.Start:m.End] + " -> " + m.Place.String() + "]")
	}
	return b.String()
}

func TestFindOffsetsAndOrder(t *testing.T) {
	g := gaz(t)
	text := "Émeutes à Kyiv — «Kharkiv» (Odesa), Zaporizhzhia’s plant; end at Lviv"
	ms := g.Find(text)
	if len(ms) != 5 {
		t.Fatalf("got %s", describe(text, ms))
	}
	prev := 0
	for _, m := range ms {
		if m.Start < prev || m.End <= m.Start || m.End > len(text) {
			t.Fatalf("bad offsets %d..%d after %d", m.Start, m.End, prev)
		}
		prev = m.End
		if got := foldName(text[m.Start:m.End]); got != foldName(m.Place.Name) {
			t.Errorf("surface %q does not name %q", text[m.Start:m.End], m.Place.Name)
		}
	}
}

func TestFindHostileInput(t *testing.T) {
	g := gaz(t)
	inputs := []string{
		"", "'", "’s", "Syria'", "\xff\xfeAleppo\xff", "A" + strings.Repeat("-", 10000) + "Homs",
		strings.Repeat("Gaza ", 20000), "@everyone Aleppo", "Kyiv\x00Odesa",
	}
	for _, in := range inputs {
		for _, m := range g.Find(in) {
			if m.Start < 0 || m.End > len(in) || m.Start >= m.End {
				t.Fatalf("bad mention %+v in %q", m, in[:min(len(in), 40)])
			}
		}
	}
	if ms := g.Find("\xff\xfeAleppo\xff"); len(ms) != 1 || ms[0].Place.Name != "Aleppo" {
		t.Errorf("broken UTF-8 around a name: %v", ms)
	}
}

func TestString(t *testing.T) {
	g := gaz(t)
	cases := map[string]string{
		"Aleppo":     "Aleppo, Syria",
		"Tigray":     "Tigray, Ethiopia",
		"Syria":      "Syria",
		"Red Sea":    "Red Sea",
		"Rafah":      "Rafah, Gaza Strip",
		"West Bank":  "West Bank",
		"Pristina":   "Pristina, Kosovo",
		"Sevastopol": "Sevastopol, Ukraine",
		"North Kivu": "North Kivu, DR Congo",
	}
	for name, want := range cases {
		ps := g.Lookup(name)
		if len(ps) == 0 {
			t.Errorf("Lookup(%q) found nothing", name)
			continue
		}
		if got := ps[0].String(); got != want {
			t.Errorf("Lookup(%q)[0].String() = %q, want %q", name, got, want)
		}
	}
	var nilPlace *Place
	if nilPlace.String() != "" || nilPlace.Major() {
		t.Error("nil place must render empty and not be major")
	}
}

func TestLookupAmbiguity(t *testing.T) {
	g := gaz(t)
	cases := []struct{ name, kind, country string }{
		{"Kuwait", "country", "KW"},
		{"Djibouti", "country", "DJ"},
		{"Washington", "city", "US"},
		{"Tripoli", "city", "LY"},
		{"Gaza", "region", "PS"},
		{"Congo", "country", "CD"},
		{"Georgia", "country", "GE"},
		{"KYIV", "city", "UA"},
		{"côte d'ivoire", "country", "CI"},
		{"Hudaydah", "city", "YE"},
		{"Mekele", "city", "ET"},
		{"Al-Fashir", "city", "SD"},
		{"Khankendi", "city", "AZ"},
	}
	for _, tc := range cases {
		ps := g.Lookup(tc.name)
		if len(ps) == 0 {
			t.Errorf("Lookup(%q) found nothing", tc.name)
			continue
		}
		if ps[0].Kind.String() != tc.kind || ps[0].CountryCode != tc.country {
			t.Errorf("Lookup(%q)[0] = %s %s (%s), want %s in %s", tc.name, ps[0].Kind, ps[0], ps[0].CountryCode, tc.kind, tc.country)
		}
	}
	if ps := g.Lookup("Tripoli"); len(ps) < 2 {
		t.Errorf("Lookup(Tripoli) should also list Lebanon's Tripoli, got %v", ps)
	}
	if ps := g.Lookup("Syrian"); len(ps) != 0 {
		t.Errorf("Lookup must not return demonym matches, got %v", ps)
	}
	if !g.Lookup("Damascus")[0].Major() || !g.Lookup("Damascus")[0].Capital {
		t.Error("Damascus must be a major national capital")
	}
	if p := g.Lookup("Goma")[0]; !p.AdminCapital || p.Region != "North Kivu" || p.Major() {
		t.Errorf("Goma = %+v, want North Kivu's capital, not major", *p)
	}
}

func TestComplete(t *testing.T) {
	g := gaz(t)
	got := g.Complete("kha", 5)
	if len(got) != 5 {
		t.Fatalf("Complete(kha) returned %d", len(got))
	}
	for _, p := range got {
		ok := strings.HasPrefix(foldName(p.Name), "kha")
		for _, a := range p.Aliases() {
			ok = ok || strings.HasPrefix(foldName(a), "kha")
		}
		if !ok {
			t.Errorf("Complete(kha) returned %q", p.Name)
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].rank() < got[i].rank() {
			t.Errorf("Complete(kha) not best first: %s before %s", got[i-1], got[i])
		}
	}
	if first := g.Complete("Syria", 3)[0]; first.Name != "Syria" {
		t.Errorf("exact name must come first, got %s", first)
	}
	if got := g.Complete("Port-au", 1); len(got) != 1 || got[0].Name != "Port-au-Prince" {
		t.Errorf("Complete(Port-au) = %v", got)
	}
	if g.Complete("", 5) != nil || g.Complete("zzzzqx", 5) != nil || g.Complete("a", 0) != nil {
		t.Error("empty prefix, unknown prefix or n=0 must return nothing")
	}
}

func TestCountryByCode(t *testing.T) {
	g := gaz(t)
	if p := g.CountryByCode("sy"); p == nil || p.Name != "Syria" {
		t.Errorf("CountryByCode(sy) = %v", p)
	}
	if p := g.CountryByCode("XK"); p == nil || p.Name != "Kosovo" {
		t.Errorf("CountryByCode(XK) = %v", p)
	}
	if g.CountryByCode("ZZ") != nil {
		t.Error("unknown code must be nil")
	}
}

func TestDataIntegrity(t *testing.T) {
	g := gaz(t)
	if g.Len() < 3000 {
		t.Errorf("only %d places", g.Len())
	}
	capitals := map[string]int{}
	regions := map[string]bool{}
	seen := map[string]string{}
	for _, p := range g.places {
		if p.Kind == Region && p.CountryCode != "" {
			regions[p.CountryCode+"|"+p.Name] = true
		}
	}
	for _, p := range g.places {
		if p.Name == "" || p.Kind < Country || p.Kind > City || p.Population < 0 {
			t.Errorf("malformed place %+v", *p)
		}
		if p.CountryCode != "" {
			c := g.CountryByCode(p.CountryCode)
			if c == nil || c.Name != p.Country {
				t.Errorf("%s: country %q/%q unknown or misnamed", p.Name, p.CountryCode, p.Country)
			}
		} else if p.Kind != Region {
			t.Errorf("%s: only regions may lack a country", p.Name)
		}
		key := p.Kind.String() + "|" + p.CountryCode + "|" + foldName(p.Name)
		if prev, dup := seen[key]; dup {
			t.Errorf("duplicate %s %q in %s (also %q)", p.Kind, p.Name, p.CountryCode, prev)
		}
		seen[key] = p.Name
		if p.Kind == City && p.Region != "" && !regions[p.CountryCode+"|"+p.Region] {
			t.Errorf("%s: region %q not in %s", p.Name, p.Region, p.CountryCode)
		}
		if p.Capital {
			capitals[p.CountryCode]++
		}
	}
	for code, c := range g.countries {
		if len(code) != 2 || code != strings.ToUpper(code) || c.Kind != Country {
			t.Errorf("bad country %q", code)
		}
		if n := capitals[code]; n > 1 {
			t.Errorf("%s has %d national capitals", code, n)
		}
	}
	for _, code := range []string{"SY", "UA", "SD", "US", "CD", "PS", "XK", "TW", "EH", "MM"} {
		if capitals[code] != 1 {
			t.Errorf("%s has no national capital", code)
		}
	}
	if len(g.countries) < 249 {
		t.Errorf("only %d countries", len(g.countries))
	}
}

// TestCoverageDev checks the labelled locations of the shared dev corpus:
// the first component of label.location must be a known name.
func TestCoverageDev(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "corpus", "dev.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("dev corpus not available at %s: %v", path, err)
	}
	defer f.Close()
	g := gaz(t)
	total, found := 0, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var r struct {
			ID    string `json:"id"`
			Label struct {
				Location string `json:"location"`
			} `json:"label"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad line: %v", err)
		}
		name := firstComponent(r.Label.Location)
		if name == "" {
			continue
		}
		total++
		if len(g.Lookup(name)) > 0 {
			found++
		} else {
			t.Logf("miss %s: %q (label %q)", r.ID, name, r.Label.Location)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if total == 0 {
		t.Fatal("no labelled locations in dev corpus")
	}
	t.Logf("found %d/%d labelled locations", found, total)
	if found*100 < total*95 {
		t.Errorf("coverage %d/%d below 95%%", found, total)
	}
}

// firstComponent takes "Sudzha, Kursk region, Russia" -> "Sudzha",
// "Ras al-Ain and Tal Abyad, Syria" -> "Ras al-Ain", "Amhara region" ->
// "Amhara", "Belarus-Ukraine border" -> "Belarus".
func firstComponent(loc string) string {
	for _, sep := range []string{",", ";", "/", "(", " and "} {
		if i := strings.Index(loc, sep); i >= 0 {
			loc = loc[:i]
		}
	}
	loc = strings.TrimSpace(loc)
	for _, suf := range []string{" region", " province", " provinces", " border", " camp", " state"} {
		loc = strings.TrimSuffix(loc, suf)
	}
	if strings.Contains(loc, "-") && !strings.Contains(loc, " ") {
		if a, _, _ := strings.Cut(loc, "-"); a != "" && strings.ToUpper(a[:1]) == a[:1] {
			if len(strings.Split(loc, "-")) == 2 { // "Belarus-Ukraine"
				loc = a
			}
		}
	}
	return loc
}
