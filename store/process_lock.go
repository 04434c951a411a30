package store

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// ErrInUse is returned (wrapped) when a SQLite store is already held by
// another tocsin process.
var ErrInUse = errors.New("store in use by another process")

// lockFile takes an exclusive flock on lockPath for the life of the process
// (the kernel releases it when the process dies, however it dies) and
// writes who holds it into the file, so that a second process is refused
// with a message naming the first. It never waits: racing for a SQLite
// store is what it prevents.
func lockFile(lockPath, dbPath, holder string) (func() error, error) {
	fl := flock.New(lockPath, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock sqlite store %s: %w", dbPath, err)
	}
	if !ok {
		who := strings.TrimSpace(readHolder(lockPath))
		if who == "" {
			who = "a process that has not written its name yet"
		}
		return nil, fmt.Errorf("sqlite store %s is held by another tocsin (%s; lock file %s): %w; "+
			"a SQLite store serves one process: stop the other one, or use PostgreSQL (store.dsn: postgres://...) to run replicas",
			dbPath, who, lockPath, ErrInUse)
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("holder %s, pid %d on host %s, since %s\n", holder, os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(lockPath, []byte(info), 0o600); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock sqlite store %s: write %s: %w", dbPath, lockPath, err)
	}
	return fl.Unlock, nil
}

// readHolder reads the holder line of a lock file (at most a small prefix:
// the file is ours, but it is input all the same).
func readHolder(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b := make([]byte, 512)
	n, _ := f.Read(b)
	return strings.ToValidUTF8(string(b[:n]), "?")
}
