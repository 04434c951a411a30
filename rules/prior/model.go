package prior

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sort"
)

// Dim is the number of hash buckets: 2^18 keeps collisions rare for news
// vocabulary (a few hundred thousand distinct stems and bigrams) while the
// int8 weights stay at 256 KiB.
const Dim = 1 << 18

// Model is a trained logistic regression over hashed features, plus the
// calibration that combines it with rule evidence. It is immutable and safe
// for concurrent use.
type Model struct {
	// Version names the training run (the hash of its inputs and options).
	Version string
	// scale maps an int8 weight to a float: w = q * scale.
	scale float32
	q     []int8
	bias  float32
	// Combine holds the log-odds credit that rule evidence of each severity
	// (none, low, medium, high, critical) adds to the model's prior, and the
	// slope on the model's own log-odds; fitted on held-out predictions.
	Combine Combination
}

// Combination turns (model log-odds, rule evidence) into the log-odds that
// an alert is a real escalation: Slope*logit(p) + Intercept +
// Credit[severity] + the credit of each rule that kept evidence. A rule's
// credit is how much more (or less) often its evidence was right than its
// severity alone says, learned from held-out predictions; a rule the model
// never saw (an admin's own) has none and is judged by its severity.
type Combination struct {
	Slope     float32
	Intercept float32
	Credit    [5]float32
	Rules     map[string]float32
}

// LogOdds returns the combined log-odds for a model log-odds, the severity
// level (0 none … 4 critical) of the rules' strongest evidence and the
// rules that kept evidence.
func (c Combination) LogOdds(modelLogit float64, severity int, rules []string) float64 {
	if severity < 0 || severity >= len(c.Credit) {
		severity = 0
	}
	z := float64(c.Slope)*modelLogit + float64(c.Credit[severity]) + float64(c.Intercept)
	for _, r := range rules {
		z += float64(c.Rules[r])
	}
	return z
}

// Weight returns the weight of a feature bucket.
func (m *Model) Weight(h uint32) float32 { return float32(m.q[h&(Dim-1)]) * m.scale }

// Bias returns the model's intercept.
func (m *Model) Bias() float32 { return m.bias }

// Logit turns a feature-weight sum over n features into log-odds.
func (m *Model) Logit(sum float32, n int) float64 {
	if n == 0 {
		return float64(m.bias)
	}
	return float64(m.bias) + float64(sum)/math.Sqrt(float64(n))
}

// Sigmoid is the logistic function.
func Sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Logit is the inverse of Sigmoid, clamped away from 0 and 1.
func Logit(p float64) float64 {
	p = min(max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

//go:embed model.bin
var builtin []byte

// Builtin returns the model shipped in the binary.
func Builtin() (*Model, error) {
	m, err := Decode(builtin)
	if err != nil {
		return nil, fmt.Errorf("built-in prior model: %w", err)
	}
	return m, nil
}

// The file format, little-endian: magic "TCSNPRI1", version string (uint16
// length + bytes), scale, bias, combination (7 float32, then a uint16
// count of rule credits, each a uint8-length id and a float32, ids sorted),
// Dim int8 weights, CRC-32 of everything before it.
const magic = "TCSNPRI1"

// Encode serialises the model.
func (m *Model) Encode() []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(m.Version)))
	b.WriteString(m.Version)
	for _, f := range []float32{m.scale, m.bias, m.Combine.Slope, m.Combine.Intercept} {
		_ = binary.Write(&b, binary.LittleEndian, f)
	}
	_ = binary.Write(&b, binary.LittleEndian, m.Combine.Credit)
	ids := make([]string, 0, len(m.Combine.Rules))
	for id := range m.Combine.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(ids)))
	for _, id := range ids {
		b.WriteByte(byte(len(id)))
		b.WriteString(id)
		_ = binary.Write(&b, binary.LittleEndian, m.Combine.Rules[id])
	}
	for _, q := range m.q {
		b.WriteByte(byte(q))
	}
	_ = binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes()
}

// Decode reads a model written by Encode.
func Decode(data []byte) (*Model, error) {
	if len(data) < len(magic)+4 || string(data[:len(magic)]) != magic {
		return nil, errors.New("not a tocsin prior model")
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, errors.New("prior model checksum mismatch (truncated or corrupt file)")
	}
	r := bytes.NewReader(body[len(magic):])
	var n uint16
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nil, fmt.Errorf("prior model header: %w", err)
	}
	ver := make([]byte, n)
	if _, err := r.Read(ver); err != nil && n > 0 {
		return nil, fmt.Errorf("prior model header: %w", err)
	}
	m := &Model{Version: string(ver)}
	for _, f := range []*float32{&m.scale, &m.bias, &m.Combine.Slope, &m.Combine.Intercept} {
		if err := binary.Read(r, binary.LittleEndian, f); err != nil {
			return nil, fmt.Errorf("prior model header: %w", err)
		}
	}
	if err := binary.Read(r, binary.LittleEndian, &m.Combine.Credit); err != nil {
		return nil, fmt.Errorf("prior model header: %w", err)
	}
	var nr uint16
	if err := binary.Read(r, binary.LittleEndian, &nr); err != nil {
		return nil, fmt.Errorf("prior model rule credits: %w", err)
	}
	m.Combine.Rules = make(map[string]float32, nr)
	for range nr {
		l, err := r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("prior model rule credits: %w", err)
		}
		id := make([]byte, l)
		if _, err := io.ReadFull(r, id); err != nil {
			return nil, fmt.Errorf("prior model rule credits: %w", err)
		}
		var v float32
		if err := binary.Read(r, binary.LittleEndian, &v); err != nil {
			return nil, fmt.Errorf("prior model rule credits: %w", err)
		}
		m.Combine.Rules[string(id)] = v
	}
	if r.Len() != Dim {
		return nil, fmt.Errorf("prior model has %d weights, want %d", r.Len(), Dim)
	}
	m.q = make([]int8, Dim)
	for i := range m.q {
		c, _ := r.ReadByte()
		m.q[i] = int8(c)
	}
	return m, nil
}

// fromFloat quantises trained float weights to int8 with one scale: the
// largest weight maps to ±127. Rounding error is below half a step, far
// under the noise of the training data.
func fromFloat(version string, w []float64, bias float64, comb Combination) *Model {
	maxAbs := 0.0
	for _, x := range w {
		maxAbs = max(maxAbs, math.Abs(x))
	}
	scale := float32(maxAbs / 127)
	if scale == 0 {
		scale = 1
	}
	m := &Model{Version: version, scale: scale, bias: float32(bias), Combine: comb, q: make([]int8, Dim)}
	for i, x := range w {
		m.q[i] = int8(math.Round(x / float64(scale)))
	}
	return m
}

//go:generate go run ./train -corpus ../../corpus -out model.bin -words words.tsv.gz
