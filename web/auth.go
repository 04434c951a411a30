package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// role is what a request may do.
type role int

const (
	roleNone  role = iota
	roleRead       // see every page, score in the playground
	roleAdmin      // also add and expire silences, save rule files
)

// IsAdmin is for templates: show write controls.
func (r role) IsAdmin() bool { return r >= roleAdmin }

const (
	cookieName = "tocsin_session"
	sessionTTL = 12 * time.Hour
)

// auth checks tokens and signs session cookies. The cookie carries a role
// and an expiry under an HMAC; the key is derived from the tokens, so
// replicas behind one address accept each other's cookies and changing a
// token signs everyone out.
type auth struct {
	read, admin []byte
	key         []byte
	now         func() time.Time
}

func newAuth(read, admin string, now func() time.Time) (*auth, error) {
	a := &auth{read: []byte(read), admin: []byte(admin), now: now}
	if read == "" && admin == "" {
		// Nothing to protect but the cookie's integrity: a random key.
		a.key = make([]byte, 32)
		if _, err := rand.Read(a.key); err != nil {
			return nil, fmt.Errorf("web: session key: %w", err)
		}
		return a, nil
	}
	sum := sha256.Sum256([]byte("tocsin web session v1\x00" + read + "\x00" + admin))
	a.key = sum[:]
	return a, nil
}

// writes reports whether write actions exist at all.
func (a *auth) writes() bool { return len(a.admin) > 0 }

// open reports whether pages are shown without a token.
func (a *auth) open() bool { return len(a.read) == 0 }

// tokenRole is the role a presented token grants.
func (a *auth) tokenRole(tok string) role {
	t := []byte(tok)
	switch {
	case len(a.admin) > 0 && subtle.ConstantTimeCompare(t, a.admin) == 1:
		return roleAdmin
	case len(a.read) > 0 && subtle.ConstantTimeCompare(t, a.read) == 1:
		return roleRead
	}
	return roleNone
}

// presented is the role the request's credentials grant: a bearer token,
// else the session cookie.
func (a *auth) presented(r *http.Request) role {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return a.tokenRole(strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return a.verify(c.Value)
	}
	return roleNone
}

// role is what the request may do: what it presented, and at least read
// when no read token is configured.
func (a *auth) role(r *http.Request) role {
	got := a.presented(r)
	if a.open() && got < roleRead {
		got = roleRead
	}
	return got
}

func (a *auth) sign(payload string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// cookie is a session for role until now+sessionTTL.
func (a *auth) cookie(r *http.Request, ro role) *http.Cookie {
	exp := a.now().Add(sessionTTL)
	payload := strconv.Itoa(int(ro)) + "." + strconv.FormatInt(exp.Unix(), 10)
	return &http.Cookie{Name: cookieName, Value: payload + "." + a.sign(payload), Path: "/", Expires: exp,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)}
}

// verify returns the role a cookie value grants (roleNone if forged or
// expired).
func (a *auth) verify(v string) role {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return roleNone
	}
	payload, sig := v[:i], v[i+1:]
	if !hmac.Equal([]byte(sig), []byte(a.sign(payload))) {
		return roleNone
	}
	rs, es, ok := strings.Cut(payload, ".")
	ro, err1 := strconv.Atoi(rs)
	exp, err2 := strconv.ParseInt(es, 10, 64)
	if !ok || err1 != nil || err2 != nil || ro < int(roleRead) || ro > int(roleAdmin) || a.now().Unix() >= exp {
		return roleNone
	}
	// A cookie names a role the tokens still grant: admin only while an
	// admin token exists.
	if role(ro) == roleAdmin && !a.writes() {
		return roleRead
	}
	return role(ro)
}

func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// require serves h to requests with at least role min. Others are sent to
// sign in (pages) or refused with the reason (writes, API clients).
func (a *auth) require(min role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := a.role(r)
		if got >= min {
			h.ServeHTTP(w, r)
			return
		}
		if min == roleAdmin && !a.writes() {
			http.Error(w, "writes are disabled: set web.admin_token to enable them", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodGet && r.Header.Get("Authorization") == "" {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin"`)
		msg := "sign in with the read token"
		if min == roleAdmin {
			msg = "this needs the admin token: sign in with it"
		}
		http.Error(w, msg, http.StatusUnauthorized)
	})
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

type loginData struct {
	Next  string
	Error string
	Open  bool // no read token: nothing to sign in for but writes
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", "Sign in", loginData{Next: safeNext(r.URL.Query().Get("next")), Open: s.auth.open()})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "The sign-in form could not be read.")
		return
	}
	next := safeNext(r.PostFormValue("next"))
	ro := s.auth.tokenRole(r.PostFormValue("token"))
	if ro == roleNone {
		s.log.Warn("web sign-in refused", "remote", r.RemoteAddr)
		s.render(w, r, http.StatusUnauthorized, "login", "Sign in",
			loginData{Next: next, Error: "That token is not valid.", Open: s.auth.open()})
		return
	}
	http.SetCookie(w, s.auth.cookie(r, ro))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
