package config

// Summary configures summaries and the optional model second opinion. Owned by
// the summary work (issue 5); no base_url means the extractive summarizer only.
type Summary struct{}

func (s *Summary) validate(path string, errs *Errors) {}
