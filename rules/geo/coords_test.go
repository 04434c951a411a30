package geo

import (
	"math"
	"testing"
)

// TestEveryPlaceLocated: the web console puts a marker on a map for any
// place an alert names, so every place must have coordinates.
func TestEveryPlaceLocated(t *testing.T) {
	g := gaz(t)
	for _, p := range g.places {
		if !p.Located() {
			t.Errorf("%s %q (%s) has no coordinates", p.Kind, p.Name, p.CountryCode)
		}
	}
}

// TestCoordinates checks positions against known ones (within a tolerance
// that suits centroids and a world map).
func TestCoordinates(t *testing.T) {
	g := gaz(t)
	tests := []struct {
		name, country string
		lat, lon, tol float64
	}{
		{"Aleppo", "Syria", 36.2, 37.16, 0.1},        // GeoNames city
		{"Kharkiv", "Ukraine", 50.0, 36.25, 0.1},     // curated, merged into GeoNames
		{"Sderot", "Israel", 31.52, 34.6, 0.1},       // curated, hand-located
		{"Syria", "Syria", 35.0, 38.5, 1.5},          // Natural Earth centroid
		{"France", "France", 46.6, 2.4, 1.5},         // largest polygon, not French Guiana
		{"Darfur", "Sudan", 13.5, 24.0, 2},           // region, hand-located
		{"Kharkiv Oblast", "Ukraine", 49.6, 36.6, 1}, // region, mean of its places
		{"Red Sea", "", 20, 38.5, 3},                 // sea
		{"Singapore", "Singapore", 1.3, 103.8, 0.3},  // too small for 1:110m: its capital
	}
	for _, tt := range tests {
		var p *Place
		for _, c := range g.Lookup(tt.name) {
			if c.Country == tt.country {
				p = c
				break
			}
		}
		if p == nil {
			t.Errorf("%s, %s: not found", tt.name, tt.country)
			continue
		}
		if math.Abs(p.Lat-tt.lat) > tt.tol || math.Abs(p.Lon-tt.lon) > tt.tol {
			t.Errorf("%s: at %.2f,%.2f, want %.2f,%.2f (±%.1f)", p, p.Lat, p.Lon, tt.lat, tt.lon, tt.tol)
		}
	}
}

func TestParseLatLon(t *testing.T) {
	for _, bad := range [][2]string{{"91", "0"}, {"0", "181"}, {"x", "1"}, {"1", ""}} {
		if _, _, err := parseLatLon(bad[0], bad[1]); err == nil {
			t.Errorf("parseLatLon(%q, %q) accepted", bad[0], bad[1])
		}
	}
	if la, lo, err := parseLatLon("-12.5", "130.25"); err != nil || la != -12.5 || lo != 130.25 {
		t.Errorf("parseLatLon = %v, %v, %v", la, lo, err)
	}
}
