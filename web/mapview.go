package web

import (
	"fmt"
	"math"
	"sort"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
)

// The map is assets/world.svg (plate carrée, in tenths of a degree: x =
// 10·longitude, y = -10·latitude, latitudes 84 N to 60 S) under an SVG of
// markers in the same coordinates. Fitting the view to the markers is only
// a different viewBox: no tiles, no projection code, no script.
const (
	worldX, worldY = -1800.0, -840.0
	worldW, worldH = 3600.0, 1440.0
	// minSpanX is the narrowest fitted view, in tenths of a degree (40°):
	// close enough to tell Aleppo from Idlib, wide enough to see the region.
	minSpanX = 400.0
	// padding around the markers when fitting, in tenths of a degree.
	padding = 60.0
)

// marker is one incident on the map.
type marker struct {
	X, Y     float64
	ID       string
	Title    string
	Location string
	Severity rules.Severity
}

// mapView is the map's template data.
type mapView struct {
	ViewBox  string
	ImageBox [4]float64 // the world image's x, y, width, height
	R        float64    // marker radius in view units
	Stroke   float64
	Markers  []marker
	Unplaced []alerts.Incident // incidents whose place is unknown
	Fitted   bool
}

// buildMap places incidents. Incidents at one position are set
// around it in a small ring so each stays clickable. With fit, the view is
// the markers' bounding box (padded, at least minSpanX wide, the world's
// aspect ratio); otherwise the whole world. A marker's radius is the
// view's width over markerDiv.
func buildMap(incs []alerts.Incident, loc Locator, fit bool, markerDiv float64) mapView {
	var mv mapView
	mv.ImageBox = [4]float64{worldX, worldY, worldW, worldH}
	byPos := map[[2]float64][]int{}
	for _, inc := range incs {
		lat, lon, ok := 0.0, 0.0, false
		if loc != nil {
			lat, lon, ok = loc.Locate(inc.Location)
		}
		if !ok {
			mv.Unplaced = append(mv.Unplaced, inc)
			continue
		}
		m := marker{X: lon * 10, Y: -lat * 10, ID: inc.ID, Title: inc.Title, Location: inc.Location, Severity: inc.Severity}
		key := [2]float64{m.X, m.Y}
		byPos[key] = append(byPos[key], len(mv.Markers))
		mv.Markers = append(mv.Markers, m)
	}
	x0, y0, w, h := worldX, worldY, worldW, worldH
	if fit && len(mv.Markers) > 0 {
		x0, y0, w, h = fitBox(mv.Markers)
		mv.Fitted = true
	}
	mv.R = w / markerDiv
	mv.Stroke = mv.R / 4
	for _, idx := range byPos {
		if len(idx) < 2 {
			continue
		}
		ring := mv.R * 2.2
		for k, i := range idx {
			a := 2 * math.Pi * float64(k) / float64(len(idx))
			mv.Markers[i].X += ring * math.Cos(a)
			mv.Markers[i].Y += ring * math.Sin(a)
		}
	}
	// Most severe drawn last, on top.
	sort.SliceStable(mv.Markers, func(i, j int) bool { return mv.Markers[i].Severity < mv.Markers[j].Severity })
	mv.ViewBox = fmt.Sprintf("%.1f %.1f %.1f %.1f", x0, y0, w, h)
	return mv
}

// fitBox is the padded bounding box of the markers in the world's aspect
// ratio, kept inside the world.
func fitBox(ms []marker) (x0, y0, w, h float64) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, m := range ms {
		minX, maxX = math.Min(minX, m.X), math.Max(maxX, m.X)
		minY, maxY = math.Min(minY, m.Y), math.Max(maxY, m.Y)
	}
	aspect := worldW / worldH
	w = math.Max(maxX-minX+2*padding, minSpanX)
	h = math.Max(maxY-minY+2*padding, w/aspect)
	w = math.Max(w, h*aspect)
	if w >= worldW || h >= worldH {
		return worldX, worldY, worldW, worldH
	}
	cx, cy := (minX+maxX)/2, (minY+maxY)/2
	x0 = clamp(cx-w/2, worldX, worldX+worldW-w)
	y0 = clamp(cy-h/2, worldY, worldY+worldH-h)
	return x0, y0, w, h
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
