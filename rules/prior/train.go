package prior

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Example is one training item: its hashed features, a target probability
// (1 escalation, 0 not; a weak label's base rate in between) and a weight.
type Example struct {
	Feats  []uint32
	Target float64
	Weight float64
}

// TrainOptions are the learning settings. Fit is deterministic for given
// examples and options: one goroutine, a seeded order, float64 arithmetic.
type TrainOptions struct {
	Epochs       int
	L2           float64 // per-example L2 penalty on the weights
	LearningRate float64 // AdaGrad base rate
	Seed         uint64
}

// DefaultTrainOptions are the settings the shipped model is trained with.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Epochs: 12, L2: 2e-6, LearningRate: 0.2, Seed: 1}
}

// Weights are float weights being trained or evaluated.
type Weights struct {
	W    []float64
	Bias float64
}

// Logit returns the log-odds of a feature list under the weights.
func (w *Weights) Logit(feats []uint32) float64 {
	if len(feats) == 0 {
		return w.Bias
	}
	s := 0.0
	for _, h := range feats {
		s += w.W[h&(Dim-1)]
	}
	return w.Bias + s/math.Sqrt(float64(len(feats)))
}

// Fit trains weighted logistic regression with soft targets by AdaGrad
// stochastic gradient descent with L2 regularisation.
func Fit(ex []Example, o TrainOptions) *Weights {
	w := &Weights{W: make([]float64, Dim)}
	g2 := make([]float64, Dim) // AdaGrad accumulators
	var b2 float64
	rng := rand.New(rand.NewPCG(o.Seed, 0x70c5))
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	for range o.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			e := &ex[i]
			if len(e.Feats) == 0 || e.Weight == 0 {
				continue
			}
			p := Sigmoid(w.Logit(e.Feats))
			g := e.Weight * (p - e.Target)
			norm := 1 / math.Sqrt(float64(len(e.Feats)))
			for _, h := range e.Feats {
				k := h & (Dim - 1)
				gk := g*norm + o.L2*w.W[k]
				g2[k] += gk * gk
				w.W[k] -= o.LearningRate * gk / (math.Sqrt(g2[k]) + 1e-8)
			}
			b2 += g * g
			w.Bias -= o.LearningRate * g / (math.Sqrt(b2) + 1e-8)
		}
	}
	return w
}

// Quantize turns float weights into a shippable Model.
func Quantize(version string, w *Weights, comb Combination) *Model {
	return fromFloat(version, w.W, w.Bias, comb)
}

// CombineExample is one labelled report the rules alerted on: the model's
// held-out log-odds for it, the rules' severity level, the rules that kept
// evidence, and the truth.
type CombineExample struct {
	ModelLogit float64
	Severity   int
	Rules      []string
	Escalation bool
	Weight     float64
}

// combineRidge keeps credits near zero unless the data insist: a severity
// or a rule seen in a handful of alerts cannot swing the decision.
const combineRidge = 1.0

// FitCombination fits the calibration that combines the model's log-odds
// with the rules' evidence: logistic regression of the truth on [logit,
// one-hot severity, one indicator per rule, intercept], by Newton's method,
// with a ridge on every credit (not on the slope and intercept).
func FitCombination(ex []CombineExample) Combination {
	ruleIdx := map[string]int{}
	var ruleIDs []string
	for _, e := range ex {
		for _, r := range e.Rules {
			if _, ok := ruleIdx[r]; !ok {
				ruleIdx[r] = -1
				ruleIDs = append(ruleIDs, r)
			}
		}
	}
	sort.Strings(ruleIDs)
	for i, r := range ruleIDs {
		ruleIdx[r] = 6 + i
	}
	k := 6 + len(ruleIDs) // slope, credit low..critical (4), intercept, rules
	feat := func(e CombineExample, x []float64) {
		clear(x)
		x[0] = e.ModelLogit
		if e.Severity >= 1 && e.Severity <= 4 {
			x[e.Severity] = 1
		}
		x[5] = 1
		for _, r := range e.Rules {
			x[ruleIdx[r]] = 1
		}
	}
	beta := make([]float64, k)
	beta[0] = 1
	x := make([]float64, k)
	for range 50 {
		grad := make([]float64, k)
		hess := make([][]float64, k)
		for i := range hess {
			hess[i] = make([]float64, k)
		}
		for _, e := range ex {
			feat(e, x)
			z := 0.0
			for i := range k {
				z += beta[i] * x[i]
			}
			p := Sigmoid(z)
			y := 0.0
			if e.Escalation {
				y = 1
			}
			for i := range k {
				if x[i] == 0 {
					continue
				}
				grad[i] += e.Weight * (p - y) * x[i]
				for j := range k {
					hess[i][j] += e.Weight * p * (1 - p) * x[i] * x[j]
				}
			}
		}
		for i := 1; i < k; i++ {
			if i == 5 {
				hess[i][i] += 1e-6
				continue
			}
			grad[i] += combineRidge * beta[i]
			hess[i][i] += combineRidge
		}
		hess[0][0] += 1e-6
		step := solve(hess, grad)
		for i := range k {
			beta[i] -= step[i]
		}
	}
	c := Combination{Slope: float32(beta[0]), Intercept: float32(beta[5]),
		Credit: [5]float32{0, float32(beta[1]), float32(beta[2]), float32(beta[3]), float32(beta[4])},
		Rules:  map[string]float32{}}
	for _, r := range ruleIDs {
		c.Rules[r] = float32(beta[ruleIdx[r]])
	}
	return c
}

// solve solves a small dense system by Gaussian elimination with partial
// pivoting (it changes a and b).
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		if a[c][c] == 0 {
			continue
		}
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < n; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < n; k++ {
			s -= a[r][k] * x[k]
		}
		if a[r][r] != 0 {
			x[r] = s / a[r][r]
		}
	}
	return x
}
