package rules

import "testing"

// TestBuiltinExamples runs the examples embedded in the built-in rule files:
// each rule states what it must and must not match.
func TestBuiltinExamples(t *testing.T) {
	s := mustDefault(t)
	passed, fails := s.TestExamples()
	for _, f := range fails {
		t.Errorf("%s:%d %s: want match=%v on %q; evidence %+v suppressed %+v", f.File, f.Line, f.Rule, f.WantMatch, f.Text, f.Got.Evidence, f.Got.Suppressed)
	}
	if passed < 50 {
		t.Errorf("only %d examples passed; the built-in set should carry more", passed)
	}
}

func mustDefault(t testing.TB) *Set {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return s
}
