package geo

// Kind says what sort of place a Place is.
type Kind uint8

// Kinds of places. Seas, straits, shoals and world regions are Regions with
// an empty CountryCode.
const (
	Country Kind = iota + 1
	Region
	City
)

// String names the kind for logs and tests.
func (k Kind) String() string {
	switch k {
	case Country:
		return "country"
	case Region:
		return "region"
	case City:
		return "city"
	}
	return "unknown"
}

// Place is one gazetteer entry. Places are shared and immutable: callers must
// not modify them.
type Place struct {
	Name         string // canonical English name, e.g. "Aleppo"
	Kind         Kind
	CountryCode  string // ISO 3166-1 alpha-2 ("XK" for Kosovo), "" for seas and world regions
	Country      string // canonical country name, e.g. "Syria"
	Region       string // first-level region name for cities, "" otherwise
	Population   int
	Capital      bool // national capital
	AdminCapital bool // capital of a first-level region (provincial capital)
	// Lat and Lon locate the place in decimal degrees (WGS 84): a city's
	// GeoNames position, a country's or region's centroid. A place the data
	// does not locate takes its region's position, then its country's
	// (see coords.go); both are zero only for places with neither.
	Lat, Lon float64

	aliases []string // other spellings, kept for Complete and tests
}

// palestine is named by its territories in String, as news does.
const palestine = "PS"

// String renders the place the way alerts show it: "Aleppo, Syria",
// "Tigray, Ethiopia", "Syria", "Red Sea". Palestinian places use their
// territory instead of the country: "Rafah, Gaza Strip", "West Bank".
func (p *Place) String() string {
	if p == nil {
		return ""
	}
	switch {
	case p.Kind == Country || p.Country == "":
		return p.Name
	case p.CountryCode == palestine:
		if p.Kind == City && p.Region != "" {
			return p.Name + ", " + p.Region
		}
		if p.Kind == Region {
			return p.Name
		}
	}
	return p.Name + ", " + p.Country
}

// Major reports whether the place is a national capital or a city of at
// least a million people; the rules engine boosts such places because
// violence there is more newsworthy.
func (p *Place) Major() bool {
	return p != nil && p.Kind == City && (p.Capital || p.Population >= 1_000_000)
}

// Located reports whether the place has coordinates.
func (p *Place) Located() bool { return p != nil && (p.Lat != 0 || p.Lon != 0) }

// Aliases returns the other spellings under which the place is known
// (demonyms excluded). The slice is a copy.
func (p *Place) Aliases() []string {
	return append([]string(nil), p.aliases...)
}

// rank orders candidates for one name: countries, then major cities, then
// regions, then everything else; population breaks ties (see package doc).
func (p *Place) rank() int64 {
	tier := int64(0)
	switch {
	case p.Kind == Country:
		tier = 3
	case p.Major():
		tier = 2
	case p.Kind == Region:
		tier = 1
	}
	return tier<<40 + int64(p.Population)
}
