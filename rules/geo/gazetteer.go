package geo

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// hit is one place a folded key can denote.
type hit struct {
	place   *Place
	demonym bool
	// caps: the data spelling is an acronym ("US", "DRC"), so the text must
	// spell it in capitals too.
	caps bool
}

// nameEntry is one (folded name, place) pair for Complete.
type nameEntry struct {
	key   string
	place *Place
}

// Gazetteer resolves place names. It is immutable after New and safe for
// concurrent use; build it once and share it.
type Gazetteer struct {
	places    []*Place
	index     map[string][]hit // folded name or demonym -> candidates, best first
	maxTokens int              // longest name in tokens
	// prefixes holds every proper token-prefix of a multi-word name
	// ("united", "united arab"), so a scan stops extending a key as soon
	// as no name can start with it.
	prefixes map[string]struct{}
	// firstWords holds the first word of every name (StartsName).
	firstWords map[string]struct{}
	countries  map[string]*Place
	names      []nameEntry // sorted by key, for Complete
	deny       map[string]bool
	ambiguous  map[string]bool
}

// cityRec is a city being assembled from the generated and curated files.
type cityRec struct {
	place   *Place
	admin   string // GeoNames admin-1 code, "" when unknown
	names   []string
	curated bool
}

// New parses the embedded data. It fails only if the data files are
// inconsistent, which the package tests rule out.
func New() (*Gazetteer, error) {
	g := &Gazetteer{
		index:      make(map[string][]hit, 16384),
		prefixes:   map[string]struct{}{},
		firstWords: map[string]struct{}{},
		countries:  make(map[string]*Place, 256),
		deny:       map[string]bool{},
		ambiguous:  map[string]bool{},
	}
	capitals := map[string]string{} // cc -> capital name
	if err := g.loadCountries(capitals); err != nil {
		return nil, err
	}
	regionCaps, err := g.loadRegions()
	if err != nil {
		return nil, err
	}
	cities, err := g.loadCities()
	if err != nil {
		return nil, err
	}
	if err := g.linkCities(cities, regionCaps, capitals); err != nil {
		return nil, err
	}
	if err := g.loadDeny(); err != nil {
		return nil, err
	}
	if err := g.locate(capitals); err != nil {
		return nil, err
	}
	g.finish()
	return g, nil
}

func (g *Gazetteer) add(p *Place, names []string, demonyms []string) {
	g.places = append(g.places, p)
	seen := map[string]bool{}
	for i, n := range names {
		key := foldName(n)
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		if i > 0 && n != p.Name {
			p.aliases = append(p.aliases, n)
		}
		g.index[key] = append(g.index[key], hit{place: p, caps: isAcronym(n)})
		g.names = append(g.names, nameEntry{key: key, place: p})
	}
	for _, d := range demonyms {
		for _, form := range []string{d, pluralDemonym(d)} {
			key := foldName(form)
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			g.index[key] = append(g.index[key], hit{place: p, demonym: true})
		}
	}
}

// isAcronym: short names written entirely in capitals ("US", "U.S.", "DRC").
func isAcronym(s string) bool {
	letters := 0
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			letters++
		case r == '.' || r == ' ' || r == '-' || r == '&':
		default:
			return false
		}
	}
	return letters > 0 && letters <= 5
}

func (g *Gazetteer) loadCountries(capitals map[string]string) error {
	recs, err := readTSV("data/countries.tsv", 6)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if len(r.cc) != 2 || strings.ToUpper(r.cc) != r.cc {
			return fmt.Errorf("geo: %s:%d: bad country code %q", r.file, r.line, r.cc)
		}
		if g.countries[r.cc] != nil {
			return fmt.Errorf("geo: %s:%d: duplicate country %s", r.file, r.line, r.cc)
		}
		pop, err := parsePopulation(r.extra[2])
		if err != nil {
			return fmt.Errorf("geo: %s:%d: %w", r.file, r.line, err)
		}
		p := &Place{Name: r.name, Kind: Country, CountryCode: r.cc, Country: r.name, Population: pop}
		g.countries[r.cc] = p
		capitals[r.cc] = r.extra[3]
		g.add(p, append([]string{r.name}, splitList(r.extra[0])...), splitList(r.extra[1]))
	}
	return nil
}

// loadRegions returns, per "cc|folded capital", the region it heads.
func (g *Gazetteer) loadRegions() (map[string]*Place, error) {
	recs, err := readTSV("data/regions.tsv", 5)
	if err != nil {
		return nil, err
	}
	caps := map[string]*Place{}
	for _, r := range recs {
		p := &Place{Name: r.name, Kind: Region}
		if r.cc != "-" {
			c := g.countries[r.cc]
			if c == nil {
				return nil, fmt.Errorf("geo: %s:%d: unknown country %q", r.file, r.line, r.cc)
			}
			p.CountryCode, p.Country = r.cc, c.Name
		}
		pop, err := parsePopulation(r.extra[2])
		if err != nil {
			return nil, fmt.Errorf("geo: %s:%d: %w", r.file, r.line, err)
		}
		p.Population = pop
		if capital := r.extra[1]; capital != "" && p.CountryCode != "" {
			caps[p.CountryCode+"|"+foldName(capital)] = p
		}
		g.add(p, append([]string{r.name}, splitList(r.extra[0])...), nil)
	}
	return caps, nil
}

// loadCities reads the generated GeoNames extract and merges the curated
// places into it (curated fields win; see package doc).
func (g *Gazetteer) loadCities() ([]*cityRec, error) {
	gen, err := readTSV("data/cities.tsv", 7)
	if err != nil {
		return nil, err
	}
	var cities []*cityRec
	byKey := map[string]*cityRec{} // cc|folded name -> city
	for _, r := range gen {
		c := g.countries[r.cc]
		if c == nil {
			return nil, fmt.Errorf("geo: %s:%d: unknown country %q", r.file, r.line, r.cc)
		}
		pop, err := parsePopulation(r.extra[1])
		if err != nil {
			return nil, fmt.Errorf("geo: %s:%d: %w", r.file, r.line, err)
		}
		lat, lon, err := parseLatLon(r.extra[3], r.extra[4])
		if err != nil {
			return nil, fmt.Errorf("geo: %s:%d: %w", r.file, r.line, err)
		}
		rec := &cityRec{
			place: &Place{Name: r.name, Kind: City, CountryCode: r.cc, Country: c.Name,
				Population: pop, AdminCapital: strings.Contains(r.extra[2], "A"), Lat: lat, Lon: lon},
			admin: r.extra[0],
			names: []string{r.name},
		}
		k := r.cc + "|" + foldName(r.name)
		if byKey[k] != nil {
			return nil, fmt.Errorf("geo: %s:%d: duplicate city %q", r.file, r.line, r.name)
		}
		byKey[k] = rec
		cities = append(cities, rec)
	}
	cur, err := readTSV("data/places.tsv", 6)
	if err != nil {
		return nil, err
	}
	for _, r := range cur {
		c := g.countries[r.cc]
		if c == nil {
			return nil, fmt.Errorf("geo: %s:%d: unknown country %q", r.file, r.line, r.cc)
		}
		pop, err := parsePopulation(r.extra[2])
		if err != nil {
			return nil, fmt.Errorf("geo: %s:%d: %w", r.file, r.line, err)
		}
		aliases := splitList(r.extra[0])
		var rec *cityRec
		for _, n := range append([]string{r.name}, aliases...) {
			if m := byKey[r.cc+"|"+foldName(n)]; m != nil && !m.curated {
				rec = m
				break
			}
		}
		if rec == nil {
			rec = &cityRec{place: &Place{Kind: City, CountryCode: r.cc, Country: c.Name}}
			cities = append(cities, rec)
		}
		rec.curated = true
		rec.place.Name = r.name
		rec.names = append(append([]string{r.name}, aliases...), rec.names...)
		rec.place.Region = r.extra[1]
		if pop > 0 || rec.place.Population == 0 {
			rec.place.Population = pop
		}
		if strings.Contains(r.extra[3], "A") {
			rec.place.AdminCapital = true
		}
		for _, n := range rec.names {
			byKey[r.cc+"|"+foldName(n)] = rec
		}
	}
	return cities, nil
}

// linkCities fills regions from admin-1 codes, sets capital flags and
// indexes the cities.
func (g *Gazetteer) linkCities(cities []*cityRec, regionCaps map[string]*Place, capitals map[string]string) error {
	regionByAdmin := map[string]string{} // cc|admin -> region name
	regionNames := map[string]bool{}     // cc|folded region name
	for _, p := range g.places {
		if p.Kind == Region && p.CountryCode != "" {
			regionNames[p.CountryCode+"|"+foldName(p.Name)] = true
		}
	}
	for _, c := range cities {
		for _, n := range c.names {
			if reg := regionCaps[c.place.CountryCode+"|"+foldName(n)]; reg != nil {
				c.place.AdminCapital = true
				if c.place.Region == "" {
					c.place.Region = reg.Name
				}
				if c.admin != "" {
					regionByAdmin[c.place.CountryCode+"|"+c.admin] = reg.Name
				}
				break
			}
		}
	}
	for _, c := range cities {
		if c.place.Region == "" && c.admin != "" {
			c.place.Region = regionByAdmin[c.place.CountryCode+"|"+c.admin]
		}
		if c.place.Region != "" && !regionNames[c.place.CountryCode+"|"+foldName(c.place.Region)] {
			return fmt.Errorf("geo: city %q: region %q is not a region of %s", c.place.Name, c.place.Region, c.place.CountryCode)
		}
	}
	var missing []error
	for cc, capital := range capitals {
		if capital == "" {
			continue
		}
		key := foldName(capital)
		found := false
		for _, c := range cities {
			if c.place.CountryCode != cc {
				continue
			}
			for _, n := range c.names {
				if foldName(n) == key {
					c.place.Capital, found = true, true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			missing = append(missing, fmt.Errorf("geo: capital %q of %s is not among its cities", capital, cc))
		}
	}
	if len(missing) > 0 {
		sort.Slice(missing, func(i, j int) bool { return missing[i].Error() < missing[j].Error() })
		return errors.Join(missing...)
	}
	for _, c := range cities {
		g.add(c.place, c.names, nil)
	}
	return nil
}

// loadDeny reads deny.txt: "deny NAME" lines are never reported by Find,
// "ambiguous NAME" lines only in a place-like context.
func (g *Gazetteer) loadDeny() error {
	b, err := dataFS.ReadFile("data/deny.txt")
	if err != nil {
		return fmt.Errorf("geo: read deny.txt: %w", err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, name, ok := strings.Cut(line, " ")
		if !ok {
			return fmt.Errorf("geo: deny.txt:%d: want \"deny NAME\" or \"ambiguous NAME\"", i+1)
		}
		switch kind {
		case "deny":
			g.deny[foldName(name)] = true
		case "ambiguous":
			g.ambiguous[foldName(name)] = true
		default:
			return fmt.Errorf("geo: deny.txt:%d: unknown kind %q", i+1, kind)
		}
	}
	return nil
}

// finish orders candidates best first and prepares Complete.
func (g *Gazetteer) finish() {
	for key, hits := range g.index {
		sort.SliceStable(hits, func(i, j int) bool {
			if hits[i].demonym != hits[j].demonym {
				return !hits[i].demonym
			}
			return hits[i].place.rank() > hits[j].place.rank()
		})
		if n := strings.Count(key, " ") + 1; n > g.maxTokens {
			g.maxTokens = n
		}
		for i := 0; i < len(key); i++ {
			if key[i] == ' ' {
				g.prefixes[key[:i]] = struct{}{}
			}
		}
		first, _, _ := strings.Cut(key, " ")
		g.firstWords[first] = struct{}{}
	}
	sort.Slice(g.names, func(i, j int) bool {
		if g.names[i].key != g.names[j].key {
			return g.names[i].key < g.names[j].key
		}
		return g.names[i].place.rank() > g.names[j].place.rank()
	})
}

// Len is the number of places.
func (g *Gazetteer) Len() int { return len(g.places) }

// CountryByCode returns the country with that ISO 3166-1 alpha-2 code
// (case-insensitive; "XK" is Kosovo), or nil.
func (g *Gazetteer) CountryByCode(code string) *Place {
	return g.countries[strings.ToUpper(strings.TrimSpace(code))]
}

// Lookup returns the places with exactly that name or alias (not demonym),
// case- and diacritic-insensitive, best first (see package doc).
func (g *Gazetteer) Lookup(name string) []*Place {
	var out []*Place
	for _, h := range g.index[foldName(name)] {
		if !h.demonym {
			out = append(out, h.place)
		}
	}
	return out
}

// Complete returns up to n places one of whose names starts with prefix
// (folded), best first: exact names before longer ones, then by rank.
func (g *Gazetteer) Complete(prefix string, n int) []*Place {
	key := foldName(prefix)
	if key == "" || n <= 0 {
		return nil
	}
	lo := sort.Search(len(g.names), func(i int) bool { return g.names[i].key >= key })
	type cand struct {
		place *Place
		exact bool
	}
	var cands []cand
	seen := map[*Place]int{}
	for i := lo; i < len(g.names) && strings.HasPrefix(g.names[i].key, key); i++ {
		e := g.names[i]
		exact := e.key == key
		if j, ok := seen[e.place]; ok {
			cands[j].exact = cands[j].exact || exact
			continue
		}
		seen[e.place] = len(cands)
		cands = append(cands, cand{place: e.place, exact: exact})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].exact != cands[j].exact {
			return cands[i].exact
		}
		return cands[i].place.rank() > cands[j].place.rank()
	})
	if len(cands) == 0 {
		return nil
	}
	if len(cands) > n {
		cands = cands[:n]
	}
	out := make([]*Place, len(cands))
	for i, c := range cands {
		out[i] = c.place
	}
	return out
}
