package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/sso"
	"github.com/vigilsec/vigil/internal/state"
)

// groupStorage is the zitadel example provider's in-memory storage with a groups claim added for each user.
type groupStorage struct {
	*storage.Storage
	groups map[string][]string // user id → groups
}

func (g *groupStorage) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, clientID string, scopes []string) error {
	if err := g.Storage.SetUserinfoFromScopes(ctx, ui, userID, clientID, scopes); err != nil {
		return err
	}
	ui.AppendClaims("groups", g.groups[userID])
	return nil
}

func (g *groupStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := g.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	ui.AppendClaims("groups", g.groups[subject])
	return nil
}

// provider is a real OpenID provider (zitadel's op package with its example storage and login page) served inside
// the test. mutate, when set, rewrites the ID token of the next token response, re-signed by sign, so the tests
// can hand Vigil tokens with a wrong audience, an expiry in the past or a bad signature.
type provider struct {
	issuer string
	store  *groupStorage
	mutate func(claims map[string]any) (sign *rsa.PrivateKey)
}

func startProvider(t *testing.T, redirect string) *provider {
	srv := httptest.NewUnstartedServer(nil)
	p := &provider{issuer: "http://" + srv.Listener.Addr().String()}
	clients := map[string]*storage.Client{"vigil": storage.WebClient("vigil", "vigil-secret", redirect)}
	p.store = &groupStorage{Storage: storage.NewStorageWithClients(storage.NewUserStore(p.issuer), clients),
		groups: map[string][]string{"id1": {"staff", "vigil-admins"}, "id2": {"staff"}}}
	op := exampleop.SetupServer(p.issuer, p.store, slog.New(slog.NewTextHandler(io.Discard, nil)), false)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" || p.mutate == nil {
			op.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		op.ServeHTTP(rec, r)
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
		body["id_token"] = p.rewrite(t, body["id_token"].(string))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return p
}

func (p *provider) rewrite(t *testing.T, raw string) string {
	parts := strings.Split(raw, ".")
	require.Len(t, parts, 3)
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var h struct {
		Kid string `json:"kid"`
	}
	require.NoError(t, json.Unmarshal(header, &h))
	claims := map[string]any{}
	require.NoError(t, json.Unmarshal(payload, &claims))
	key := p.mutate(claims)
	if key == nil {
		sk, err := p.store.SigningKey(context.Background())
		require.NoError(t, err)
		key = sk.Key().(*rsa.PrivateKey)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: h.Kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	out, err := json.Marshal(claims)
	require.NoError(t, err)
	sig, err := signer.Sign(out)
	require.NoError(t, err)
	s, err := sig.CompactSerialize()
	require.NoError(t, err)
	return s
}

var formID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// signIn runs the whole flow in a browser: Vigil's login route, the provider's login page, the callback.
func signIn(t *testing.T, s *server, p *provider, username string) (*browser, *http.Response, string) {
	b := s.browser()
	resp, err := b.c.Get(s.base + "/api/v1/auth/oidc/login")
	require.NoError(t, err)
	html, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, "the provider's login page: %s", html)
	require.True(t, strings.HasPrefix(resp.Request.URL.String(), p.issuer+"/login/username"), resp.Request.URL.String())
	// The authorization request Vigil made: code flow with PKCE S256, a nonce and a state.
	var authReq *http.Request
	for r := resp.Request; r != nil; {
		if strings.HasPrefix(r.URL.String(), p.issuer+"/auth?") {
			authReq = r
		}
		if r.Response == nil {
			break
		}
		r = r.Response.Request
	}
	require.NotNil(t, authReq)
	q := authReq.URL.Query()
	require.Equal(t, "code", q.Get("response_type"))
	require.Equal(t, "S256", q.Get("code_challenge_method"))
	require.NotEmpty(t, q.Get("code_challenge"))
	require.NotEmpty(t, q.Get("nonce"))
	require.NotEmpty(t, q.Get("state"))
	m := formID.FindSubmatch(html)
	require.NotNil(t, m, string(html))
	form := url.Values{"id": {string(m[1])}, "username": {username}, "password": {"verysecure"}}
	resp, err = b.c.PostForm(p.issuer+"/login/username", form)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	if resp.Request.URL.Path == "/api/v1/auth/oidc/callback" {
		s.changes.Add(1) // every callback that reached Vigil is a recorded sign-in or refusal
	}
	base, err := url.Parse(s.base)
	require.NoError(t, err)
	for _, c := range b.c.Jar.Cookies(base) {
		if c.Name == auth.CSRFCookie {
			b.csrf = c.Value // the portal's script reads it from its cookie
		}
	}
	return b, resp, string(body)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestOIDCSignIn(t *testing.T) {
	addr := freeAddr(t)
	callback := "http://" + addr + "/api/v1/auth/oidc/callback"
	p := startProvider(t, callback)
	sealed := ""
	s := start(t, func(c *config.Config) {
		c.Listen = addr
		c.Limits.SignInPerIP = config.Rate{Requests: 100, Per: config.Duration(time.Minute), Burst: 100} // many sign-ins below
		c.Auth.SecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		// The client secret is kept sealed in the configuration.
		sealed = sealWith(t, c.Auth.SecretKey, "vigil-secret")
		c.Auth.OIDC = sso.Config{Issuer: p.issuer, ClientID: "vigil", ClientSecret: sealed, RedirectURL: callback,
			RoleMapping: []sso.RoleRule{{Value: "vigil-admins", Role: "admin"}, {Value: "soc", Role: "analyst"}}}
	})
	require.NotContains(t, sealed, "vigil-secret")
	ctx := context.Background()
	user1 := "test-user@127.0.0.1"

	// Happy path: the user is created on first sign-in, with the role of their group, and gets a session.
	b, resp, body := signIn(t, s, p, user1)
	require.Equal(t, 200, resp.StatusCode, body)
	require.Contains(t, body, "Signed in as "+user1)
	r, me := b.do("GET", "/api/v1/auth/me", "")
	require.Equal(t, 200, r.StatusCode)
	require.Equal(t, "admin", me["user"].(map[string]any)["role"])
	require.Equal(t, "oidc", me["user"].(map[string]any)["source"])
	u, err := s.a.State.UserByName(ctx, user1)
	require.NoError(t, err)
	require.Equal(t, p.issuer+"|id1", u.ExternalID)
	require.Empty(t, u.PasswordHash, "no local password")
	r, _ = b.send("POST", "/api/v1/roles", `{"name":"sso_made","permissions":["hunt"]}`)
	require.Equal(t, 201, r.StatusCode, "the SSO admin's session works with its CSRF token")
	_, _, _ = signIn(t, s, p, user1)
	users, err := s.a.State.Users(ctx)
	require.NoError(t, err)
	require.Len(t, users, 1, "the second sign-in finds the same user")

	// A user whose groups map to no role is refused (there is no default role).
	_, resp, body = signIn(t, s, p, "test-user2")
	require.Equal(t, 401, resp.StatusCode, body)
	require.Contains(t, body, "no role is mapped")

	// Tokens the verification must refuse, each delivered through the real flow by the provider's token endpoint.
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	for name, mutate := range map[string]func(map[string]any) *rsa.PrivateKey{
		"wrong audience": func(c map[string]any) *rsa.PrivateKey {
			c["aud"] = []string{"someone-else"}
			c["azp"] = "someone-else"
			return nil
		},
		"expired": func(c map[string]any) *rsa.PrivateKey {
			c["exp"], c["iat"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix()
			return nil
		},
		"bad signature": func(map[string]any) *rsa.PrivateKey { return other },
		"wrong issuer":  func(c map[string]any) *rsa.PrivateKey { c["iss"] = "http://evil.example"; return nil },
		"wrong nonce":   func(c map[string]any) *rsa.PrivateKey { c["nonce"] = "replayed"; return nil },
	} {
		p.mutate = mutate
		_, resp, body := signIn(t, s, p, user1)
		p.mutate = nil
		require.Equal(t, 401, resp.StatusCode, "%s: %s", name, body)
		require.Contains(t, body, "the identity could not be verified", name)
		require.Nil(t, cookieNamed(resp, auth.SessionCookie), name)
	}
	// A callback that this browser did not start is refused too.
	b = s.browser()
	r, out := b.do("GET", "/api/v1/auth/oidc/callback?code=x&state=y", "")
	require.Equal(t, 401, r.StatusCode)
	require.Contains(t, out["error"].(map[string]any)["message"], "not started in this browser")

	// Every attempt is in the audit trail: 3 sign-ins, 1 role, 1 refused user, 5 refused tokens, 1 forged callback.
	entries, err := s.a.State.Audit(ctx, state.AuditFilter{Action: "auth.login", Limit: 1000})
	require.NoError(t, err)
	var ok, failed int
	for _, e := range entries {
		require.Equal(t, "auth.login", e.Action)
		if e.Outcome == "success" {
			ok++
			require.Equal(t, "oidc", e.AuthMethod)
		} else {
			failed++
		}
	}
	require.Equal(t, 2, ok)
	require.Equal(t, 7, failed)
	refusals := ""
	for _, e := range entries {
		refusals += string(e.Details)
	}
	require.Contains(t, refusals, "expired")
	require.Contains(t, refusals, "audience")
	require.Contains(t, refusals, "signature")
}

func sealWith(t *testing.T, key, plain string) string {
	box, _, err := secretBox(key)
	require.NoError(t, err)
	out := box.SealString(plain, "config:auth.oidc.client_secret")
	require.False(t, bytes.Contains([]byte(out), []byte(plain)))
	return out
}
