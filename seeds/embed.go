// Package seeds holds sample reports: the seed story that tocsin grew from,
// real-looking escalations and the traps it must stay quiet on. They are the
// demo input of `tocsin run` on its defaults and golden inputs for tests.
package seeds

import "embed"

// FS holds every seed report (.txt files) at its root.
//
//go:embed *.txt
var FS embed.FS
