package cli

import "context"

func cmdRun(_ context.Context, env Env) int {
	env.Stderr.Write([]byte("not implemented yet\n"))
	return ExitFailure
}

func cmdOnce(_ context.Context, env Env) int {
	env.Stderr.Write([]byte("not implemented yet\n"))
	return ExitFailure
}

func cmdStatus(_ context.Context, env Env) int {
	env.Stderr.Write([]byte("not implemented yet\n"))
	return ExitFailure
}
