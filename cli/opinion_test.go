package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tocsin-alerts/tocsin/summary/openaitest"
)

// TestEvalSecondOpinion runs `tocsin eval` with the real go-openai client
// against a loopback model that says "no escalation" with high confidence:
// the borderline (low) alert is vetoed, the strong one is never asked about,
// and the non-alert is never promoted.
func TestEvalSecondOpinion(t *testing.T) {
	srv := openaitest.New(openaitest.Fixed(openaitest.Opinion(false, "none", 0.95)))
	defer srv.Close()
	corpus := `{"id":"weak","title":"Militia warns it could attack the port","text":"The militia leader warned on Monday that his fighters could attack the port if talks failed.","label":{"escalation":false,"categories":[],"severity":"none","location":"X"}}
{"id":"strong","title":"Rebels seize Aleppo airport","text":"Rebels seized Aleppo airport on Saturday after heavy fighting, and all flights were suspended.","label":{"escalation":true,"categories":["territory_seized"],"severity":"critical","location":"Aleppo, Syria"}}
{"id":"quiet","title":"City marathon closes roads","text":"Roads in the centre will be closed on Sunday for the marathon.","label":{"escalation":false,"categories":[],"severity":"none","location":"X"}}
`
	p := filepath.Join(t.TempDir(), "c.jsonl")
	if err := os.WriteFile(p, []byte(corpus), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	code := Main(context.Background(), Env{Args: []string{"eval", "--json", "--llm-base-url", srv.BaseURL(), "--llm-model", "m", p},
		Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var m Metrics
	if err := json.Unmarshal([]byte(out.String()), &m); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	if m.Precision != 0.5 || m.Recall != 1 {
		t.Fatalf("rules alone: precision %v recall %v, want 0.5 and 1 (the threat is a false alert)", m.Precision, m.Recall)
	}
	so := m.SecondOpinion
	if so == nil || so.Asked != 1 || so.Vetoed != 1 || so.Precision != 1 || so.Recall != 1 {
		t.Fatalf("second opinion %+v: want one borderline report asked and vetoed, precision 1, recall 1", so)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("the model was called %d times; only the borderline report should be asked", n)
	}
}
