package cli

import (
	"github.com/spf13/cobra"
)

func newSourcesCmd(env *Env) *cobra.Command {
	return group("sources", "Manage the configured sources")
}
