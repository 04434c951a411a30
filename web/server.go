package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/*
var assetFS embed.FS

// Options are the console's dependencies. Incidents, Status, Rules and
// Silences are required; a nil Editor or Reports turns off rule editing or
// its preview on stored reports; a nil Locator draws no markers.
type Options struct {
	Incidents Incidents
	Locator   Locator
	Status    StatusReader
	Rules     LiveRules
	Editor    RuleEditor
	Reports   RecentReports
	Silences  Silences
	// ReadToken, when set, must be presented before any page is shown;
	// AdminToken enables write actions. Both are compared in constant time
	// and never shown.
	ReadToken, AdminToken string
	// PreviewReports is how many stored reports a rule edit is re-scored
	// against (default 200).
	PreviewReports int
	// Version is shown in the footer.
	Version string
	Now     func() time.Time
	Logger  *slog.Logger
}

// Server is the console's http.Handler.
type Server struct {
	o       Options
	log     *slog.Logger
	now     func() time.Time
	auth    *auth
	pages   map[string]*template.Template
	handler http.Handler
}

// assetURLs maps an asset's name to its URL with a content hash, so a
// browser may cache it for long and still sees a new binary's files.
func assetURLs() (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "assets/")
		out[name] = "/assets/" + name + "?v=" + FileHash(b)[:10]
		return nil
	})
	return out, err
}

var _ http.Handler = (*Server)(nil)

// New builds the console. It fails when a required dependency is missing or
// an embedded template does not parse.
func New(o Options) (*Server, error) {
	if o.Incidents == nil || o.Status == nil || o.Rules == nil || o.Silences == nil {
		return nil, errors.New("web: Incidents, Status, Rules and Silences are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PreviewReports <= 0 {
		o.PreviewReports = 200
	}
	s := &Server{o: o, log: o.Logger.With("component", "web"), now: o.Now}
	var err error
	if s.auth, err = newAuth(o.ReadToken, o.AdminToken, o.Now); err != nil {
		return nil, err
	}
	urls, err := assetURLs()
	if err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}
	if s.pages, err = parsePages(urls); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves the console.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routes maps paths to handlers. Reads need the read role, writes the admin
// role; CrossOriginProtection refuses unsafe cross-origin requests before
// any handler runs, and every response carries the security headers.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	assets, _ := fs.Sub(assetFS, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", cacheFor(24*time.Hour, http.FileServerFS(assets))))
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)

	read := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.auth.require(roleRead, h)) }
	write := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.auth.require(roleAdmin, h)) }
	read("GET /{$}", s.incidentsPage)
	read("GET /incidents/{id}", s.incidentPage)
	read("GET /sources", s.sourcesPage)
	read("GET /playground", s.playgroundPage)
	read("POST /playground", s.playgroundPost)
	read("GET /silences", s.silencesPage)
	write("POST /silences", s.addSilence)
	write("POST /silences/{id}/expire", s.expireSilence)
	write("POST /rules/save", s.saveRule)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "There is no page here.")
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "Cross-origin request refused: use the console's own forms.")
	}))
	return securityHeaders(cop.Handler(mux))
}

// contentSecurityPolicy allows the console's own files and nothing inline,
// so even markup that slipped through escaping could not run script.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	v := fmt.Sprintf("public, max-age=%d", int(d.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", v)
		next.ServeHTTP(w, r)
	})
}

// page is what every template gets besides its own data.
type page struct {
	Title   string
	Nav     string
	Role    role
	Session bool // signed in (a session cookie or a bearer token)
	Writes  bool // an admin token is configured
	Version string
	Now     time.Time
	Data    any
}

// render executes a page into a buffer first, so a template error is a
// clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t := s.pages[name]
	if t == nil {
		s.log.Error("no such template", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p := page{Title: title, Nav: name, Role: s.auth.role(r), Session: s.auth.presented(r) > roleNone, Writes: s.auth.writes(), Version: s.o.Version, Now: s.now(), Data: data}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("render page", "template", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail shows an error page. msg is written for the user; causes go to the
// log, never to the page (they may carry paths or SQL).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", http.StatusText(status), struct {
		Status int
		Msg    string
	}{status, msg})
}

// internal logs err and shows a generic error page.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.Error(what, "path", r.URL.Path, "error", err)
	s.fail(w, r, http.StatusInternalServerError, "Something went wrong reading "+what+"; the log has the details.")
}

// parsePages builds one template per page: the layout plus the page.
func parsePages(assets map[string]string) (map[string]*template.Template, error) {
	names := []string{"incidents", "incident", "sources", "playground", "silences", "login", "error"}
	asset := func(name string) (string, error) {
		if u, ok := assets[name]; ok {
			return u, nil
		}
		return "", fmt.Errorf("no asset %q", name)
	}
	base, err := template.New("").Funcs(funcs).Funcs(template.FuncMap{"asset": asset}).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	out := make(map[string]*template.Template, len(names))
	for _, n := range names {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		out[n] = t
	}
	return out, nil
}
