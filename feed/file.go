package feed

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
)

// fetchFile reads a file:// feed. Its validator is an ETag built from size
// and modification time, so an unchanged file is NotModified just as an
// unchanged HTTP feed is, and the poller treats both alike.
func (f *Fetcher) fetchFile(s Source, u *url.URL) (Result, []byte, error) {
	red := RedactURL(s.URL)
	if h := strings.ToLower(u.Host); h != "" && h != "localhost" {
		return Result{}, nil, &Error{Kind: KindInvalidURL, URL: red, Err: fmt.Errorf("file URL with remote host %q", u.Host)}
	}
	if u.Path == "" {
		return Result{}, nil, &Error{Kind: KindInvalidURL, URL: red, Err: errors.New("file URL without a path")}
	}
	fileErr := func(err error) error {
		return &Error{Kind: KindFile, URL: red, Err: err, Retryable: !errors.Is(err, fs.ErrPermission)}
	}
	fh, err := os.Open(u.Path)
	if err != nil {
		return Result{}, nil, fileErr(err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return Result{}, nil, fileErr(err)
	}
	if !st.Mode().IsRegular() {
		return Result{}, nil, fileErr(fmt.Errorf("%s is not a regular file", u.Path))
	}
	etag := fmt.Sprintf(`"%x-%x"`, st.Size(), st.ModTime().UnixNano())
	if s.ETag == etag {
		return Result{NotModified: true, ETag: etag}, nil, nil
	}
	if st.Size() > f.o.MaxBodyBytes {
		return Result{}, nil, &Error{Kind: KindTooLarge, URL: red, Err: fmt.Errorf("%w: %d bytes > %d", errBodyTooLarge, st.Size(), f.o.MaxBodyBytes)}
	}
	body, err := readCapped(fh, f.o.MaxBodyBytes)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return Result{}, nil, &Error{Kind: KindTooLarge, URL: red, Err: err}
		}
		return Result{}, nil, fileErr(err)
	}
	return Result{ETag: etag, Bytes: int64(len(body))}, body, nil
}
