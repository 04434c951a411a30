package cli

import "context"

func cmdRules(_ context.Context, env Env) int {
	env.Stderr.Write([]byte("not implemented yet\n"))
	return ExitFailure
}
