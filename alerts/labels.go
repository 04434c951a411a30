package alerts

import (
	"slices"
	"sort"
)

// Labels returns the labels of the incident's sources, each name with its
// distinct values, sorted: an incident reported by a "region: sahel,
// trust: wire" source and a "region: sahel, trust: social" one has
// {region: [sahel], trust: [social, wire]}. Routes match on it.
func (i Incident) Labels() map[string][]string {
	out := map[string][]string{}
	for _, s := range i.Sources {
		for k, v := range s.Labels.Map() {
			if !slices.Contains(out[k], v) {
				out[k] = append(out[k], v)
			}
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

// HasLabel reports whether any of the incident's sources carries the label
// name with the value: a route for "region: sahel" takes an incident as
// soon as one Sahel source reported it.
func (i Incident) HasLabel(name, value string) bool {
	for _, s := range i.Sources {
		if v, ok := s.Labels.Get(name); ok && v == value {
			return true
		}
	}
	return false
}
