package config

// Discord configures the Discord integration. Owned by the bot work (issue 4);
// empty token means Discord is off.
type Discord struct{}

func (d *Discord) validate(path string, errs *Errors) {}
