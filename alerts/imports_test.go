package alerts

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoIO enforces the core boundary: alerts does no I/O and imports no SDK,
// so every decision stays a pure, table-testable function.
func TestNoIO(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{"database/sql", "net/http", "os/exec", "github.com/bwmarrin/discordgo",
		"github.com/sashabaranov/go-openai", "github.com/robfig/cron/v3", "github.com/prometheus/client_golang/prometheus"}
	deps := map[string]bool{}
	for _, d := range strings.Fields(string(out)) {
		deps[d] = true
	}
	if !deps["github.com/tocsin-alerts/tocsin/alerts"] {
		t.Fatalf("go list output does not list alerts itself: %s", out)
	}
	for _, f := range forbidden {
		if deps[f] {
			t.Errorf("alerts depends on %s", f)
		}
	}
}
