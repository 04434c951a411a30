package cli

import "context"

func cmdEval(_ context.Context, env Env) int {
	env.Stderr.Write([]byte("not implemented yet\n"))
	return ExitFailure
}
