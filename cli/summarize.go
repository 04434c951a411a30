package cli

import "context"

func cmdSummarize(_ context.Context, env Env) int {
	env.Stderr.Write([]byte("not implemented yet\n"))
	return ExitFailure
}
