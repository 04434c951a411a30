package prior

import (
	"bytes"
	"testing"
)

func TestShapeConstants(t *testing.T) {
	for name, c := range map[string]uint32{"#num": ShapeNumber, "#count10": ShapeCount, "#year": ShapeYear} {
		if HashWord(name) != c {
			t.Errorf("HashWord(%q) = %#x, constant says %#x", name, HashWord(name), c)
		}
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	w := &Weights{W: make([]float64, Dim), Bias: -1.25}
	w.W[7], w.W[Dim-1], w.W[12345] = 2.5, -3.0, 0.4
	comb := Combination{Slope: 0.9, Intercept: -0.2, Credit: [5]float32{0, 0.1, 0.5, 1.5, 2.5},
		Rules: map[string]float32{"air-strike": 0.75, "armed-attack": -0.5}}
	m := Quantize("test-v1", w, comb)
	data := m.Encode()
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != "test-v1" || back.Combine.Slope != comb.Slope || back.Combine.Credit != comb.Credit ||
		len(back.Combine.Rules) != 2 || back.Combine.Rules["air-strike"] != 0.75 || back.Bias() != float32(-1.25) {
		t.Fatalf("header lost: %+v", back)
	}
	if got := back.Weight(Dim - 1); got != -3.0 {
		t.Errorf("largest weight %v, want -3 exactly (it sets the scale)", got)
	}
	if got := back.Weight(7); got < 2.49 || got > 2.51 {
		t.Errorf("weight 7 = %v, want 2.5 within a quantisation step", got)
	}
	if !bytes.Equal(back.Encode(), data) {
		t.Error("re-encoding changed the bytes")
	}
	data[len(data)/2] ^= 1
	if _, err := Decode(data); err == nil {
		t.Error("a corrupted model decoded without error")
	}
	if _, err := Decode([]byte("hello")); err == nil {
		t.Error("garbage decoded without error")
	}
}
