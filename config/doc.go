// Package config reads tocsin's YAML configuration: defaults, ${ENV}
// expansion, secrets from *_file, strict decoding (unknown keys are errors)
// and a Validate that reports every problem at once with its field path.
package config
