package app_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/state"
)

const adminPassword = "tulip-orbit-keeper-77"

// browser is a client with a cookie jar, the way the portal talks to the API.
type browser struct {
	s    *server
	c    *http.Client
	csrf string
}

func (s *server) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(s.t, err)
	c := &http.Client{Jar: jar, Transport: http.DefaultTransport}
	if strings.HasPrefix(s.base, "https") {
		c.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // the test's self-signed server
	}
	return &browser{s: s, c: c}
}

func (b *browser) do(method, path, body string, hdr ...string) (*http.Response, map[string]any) {
	t := b.s.t
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.s.base+path, rd)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	// The jar adds the session cookie; count the request as the server saw it.
	if cookies := b.c.Jar.Cookies(req.URL); len(cookies) > 0 && req.Header.Get("Cookie") == "" {
		for _, c := range cookies {
			req.AddCookie(c)
		}
	}
	b.s.expectAudit(req, resp.StatusCode, out)
	return resp, out
}

// send is do with the CSRF header the portal sends on state-changing requests.
func (b *browser) send(method, path, body string) (*http.Response, map[string]any) {
	return b.do(method, path, body, auth.CSRFHeader, b.csrf)
}

func (b *browser) login(user, password string) (*http.Response, map[string]any) {
	resp, out := b.do("POST", "/api/v1/auth/login", `{"username":"`+user+`","password":"`+password+`"}`)
	if resp.StatusCode == 200 {
		b.csrf = out["csrfToken"].(string)
	}
	return resp, out
}

func (s *server) bootstrap() {
	created, generated, err := s.a.BootstrapAdmin(context.Background(), adminPassword)
	require.NoError(s.t, err)
	s.changes.Add(1) // user.bootstrap
	require.True(s.t, created)
	require.Empty(s.t, generated, "the password was given")
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSignInSessionAndCSRF(t *testing.T) {
	s := start(t, nil)
	s.bootstrap()
	b := s.browser()

	resp, out := b.login("admin", "wrong-password-0")
	require.Equal(t, 401, resp.StatusCode)
	require.Equal(t, "invalid_credentials", out["error"].(map[string]any)["code"])
	resp, out = b.login("nobody", "wrong-password-0")
	require.Equal(t, 401, resp.StatusCode)
	require.Equal(t, "invalid user name or password", out["error"].(map[string]any)["message"], "the same answer for an unknown user")

	resp, out = b.login("admin", adminPassword)
	require.Equal(t, 200, resp.StatusCode, out)
	sc := cookieNamed(resp, auth.SessionCookie)
	require.NotNil(t, sc)
	require.True(t, sc.HttpOnly)
	require.False(t, sc.Secure, "plain HTTP in this test; Secure is set over TLS (TestSelfSignedTLS)")
	require.Equal(t, http.SameSiteStrictMode, sc.SameSite)
	_, err := auth.ParseSessionCookie(sc.Value)
	require.NoError(t, err)
	require.Equal(t, b.csrf, cookieNamed(resp, auth.CSRFCookie).Value)
	require.NotContains(t, out["user"].(map[string]any), "passwordHash")

	// Signing in again in the same browser ends the earlier session.
	resp, _ = b.login("admin", adminPassword)
	require.Equal(t, 200, resp.StatusCode)
	code, _ := s.do("GET", "/api/v1/auth/me", "", nil, "Cookie", auth.SessionCookie+"="+sc.Value)
	require.Equal(t, 401, code, "the earlier session ended")

	resp, out = b.do("GET", "/api/v1/auth/me", "")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "session", out["principal"].(map[string]any)["method"])
	require.Equal(t, "admin", out["user"].(map[string]any)["username"])
	resp, _ = b.do("GET", "/api/v1/schema", "")
	require.Equal(t, 200, resp.StatusCode, "the session reaches data routes too")

	// A state-changing request with the cookie but without the CSRF header is refused, and changes nothing.
	newUser := `{"username":"erin","password":"tulip-orbit-canvas-42","role":"analyst"}`
	resp, out = b.do("POST", "/api/v1/users", newUser)
	require.Equal(t, 403, resp.StatusCode)
	require.Equal(t, "csrf", out["error"].(map[string]any)["code"])
	resp, _ = b.do("POST", "/api/v1/users", newUser, auth.CSRFHeader, strings.Repeat("A", 43))
	require.Equal(t, 403, resp.StatusCode, "a wrong token")
	_, err = s.a.State.UserByName(context.Background(), "erin")
	require.ErrorIs(t, err, state.ErrNotFound)
	resp, out = b.send("POST", "/api/v1/users", newUser)
	require.Equal(t, 201, resp.StatusCode, out)
	erinID := out["id"].(string)

	// Erin signs in; her analyst role cannot manage users.
	e := s.browser()
	resp, _ = e.login("erin", "tulip-orbit-canvas-42")
	require.Equal(t, 200, resp.StatusCode)
	resp, _ = e.send("GET", "/api/v1/users", "")
	require.Equal(t, 403, resp.StatusCode)
	resp, _ = e.do("POST", "/api/v1/hunt", `{"query":"Syslog | count"}`, auth.CSRFHeader, e.csrf)
	require.Equal(t, 200, resp.StatusCode)

	// Her own token: scoped to hunt only, it acts as her with that one right.
	resp, out = e.send("POST", "/api/v1/auth/tokens", `{"name":"cli","scopes":["hunt"],"ttl":"1h"}`)
	require.Equal(t, 201, resp.StatusCode, out)
	secret := out["secret"].(string)
	code, _ = s.do("POST", "/api/v1/hunt", secret, strings.NewReader(`{"query":"Syslog | count"}`))
	require.Equal(t, 200, code)
	code, _ = s.do("GET", "/api/v1/schema", secret, nil)
	require.Equal(t, 403, code, "data:read is not in the token's scopes")
	code, out = s.do("POST", "/api/v1/auth/tokens", secret, strings.NewReader(`{"scopes":["data:read"]}`))
	require.Equal(t, 403, code, "a token cannot mint a token with more than it holds: %v", out)
	code, _ = s.do("POST", "/api/v1/auth/tokens", admin(s), strings.NewReader(`{}`))
	require.Equal(t, 409, code, "a service token has no user")

	// Disabling Erin ends her session and her token.
	resp, _ = b.send("PATCH", "/api/v1/users/"+erinID, `{"disabled":true}`)
	require.Equal(t, 200, resp.StatusCode)
	resp, _ = e.do("GET", "/api/v1/auth/me", "")
	require.Equal(t, 401, resp.StatusCode)
	code, _ = s.do("POST", "/api/v1/hunt", secret, strings.NewReader(`{"query":"Syslog | count"}`))
	require.Equal(t, 401, code)

	// The last admin cannot demote themself; sign-out ends the session.
	me, _ := s.a.State.UserByName(context.Background(), "admin")
	resp, out = b.send("PATCH", "/api/v1/users/"+me.ID, `{"role":"reader"}`)
	require.Equal(t, 409, resp.StatusCode, out)
	resp, _ = b.send("POST", "/api/v1/auth/logout", "")
	require.Equal(t, 204, resp.StatusCode)
	resp, _ = b.do("GET", "/api/v1/auth/me", "")
	require.Equal(t, 401, resp.StatusCode)
}

func admin(s *server) string { return s.token("admin") }

func TestLockoutAndSignInRateLimit(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Auth.Lockout = config.Lockout{MaxFailures: 3, Duration: config.Duration(time.Hour)}
		c.Limits.SignInPerIP = config.Rate{Requests: 6, Per: config.Duration(time.Hour), Burst: 6}
		c.Limits.SignInPerUser = config.Rate{}
	})
	s.bootstrap()
	b := s.browser()
	for i := 0; i < 3; i++ {
		resp, _ := b.login("admin", "not-the-password-1")
		require.Equal(t, 401, resp.StatusCode)
	}
	resp, _ := b.login("admin", adminPassword)
	require.Equal(t, 401, resp.StatusCode, "locked after three failures")
	u, err := s.a.State.UserByName(context.Background(), "admin")
	require.NoError(t, err)
	require.NotNil(t, u.LockedUntil)
	_, err = s.a.Users.Unlock(context.Background(), u.ID)
	require.NoError(t, err)
	resp, _ = b.login("admin", adminPassword)
	require.Equal(t, 200, resp.StatusCode, "unlocked")
	resp, _ = b.login("admin", adminPassword)
	require.Equal(t, 200, resp.StatusCode)
	resp, out := b.login("admin", adminPassword)
	require.Equal(t, 429, resp.StatusCode, "the seventh attempt from this address within the hour")
	require.Equal(t, "rate_limited", out["error"].(map[string]any)["code"])
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Greater(t, mustAtoi(t, resp.Header.Get("Retry-After")), 60, "about ten minutes until the next attempt")
}

func TestAPIRateLimitPerToken(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.APIPerPrincipal = config.Rate{Requests: 1, Per: config.Duration(time.Minute), Burst: 3}
	})
	reader, other := s.token("reader"), s.token("reader")
	for i := 0; i < 3; i++ {
		code, _ := s.do("GET", "/api/v1/schema", reader, nil)
		require.Equal(t, 200, code)
	}
	req, _ := http.NewRequest("GET", s.base+"/api/v1/schema", nil)
	req.Header.Set("Authorization", "Bearer "+reader)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 429, resp.StatusCode)
	ra := mustAtoi(t, resp.Header.Get("Retry-After"))
	require.True(t, ra > 30 && ra <= 60, "a token a minute: retry within the minute, got %d", ra)
	code, _ := s.do("GET", "/api/v1/schema", other, nil)
	require.Equal(t, 200, code, "another token has its own budget")
}

func mustAtoi(t *testing.T, s string) int {
	var n int
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int(c-'0')
	}
	return n
}

func TestSelfSignedTLS(t *testing.T) {
	s := start(t, func(c *config.Config) { c.TLS.SelfSigned = true })
	s.base = "https://" + s.a.Addr()
	s.bootstrap()
	b := s.browser()
	resp, _ := b.do("GET", "/healthz", "")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "max-age=31536000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"))
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	require.NotNil(t, resp.TLS)
	require.Equal(t, []string{"Vigil (self-signed)"}, resp.TLS.PeerCertificates[0].Subject.Organization)
	resp, _ = b.login("admin", adminPassword)
	require.Equal(t, 200, resp.StatusCode)
	require.True(t, cookieNamed(resp, auth.SessionCookie).Secure, "Secure cookies over TLS")
	require.Equal(t, "default-src 'none'; frame-ancestors 'none'", resp.Header.Get("Content-Security-Policy"))
}

// TestAuditCountsEveryChange makes a series of API calls and checks the audit trail holds exactly one entry per
// change (and per refused attempt by an authenticated caller, and per sign-in and hunt), none for reads, and that
// the same entries are in the VigilAudit table for KQL.
func TestAuditCountsEveryChange(t *testing.T) {
	s := start(t, nil)
	s.bootstrap()
	ctx := context.Background()
	base, err := s.a.State.Audit(ctx, state.AuditFilter{})
	require.NoError(t, err)
	require.Len(t, base, 1, "the bootstrap")
	require.Equal(t, "user.bootstrap", base[0].Action)

	adm := s.token("admin") // made directly, not through the API: not an API change
	reader := s.token("reader")
	b := s.browser()
	type call struct {
		method, path, body, token string
		status                    int
		action, outcome           string
	}
	var userID string
	calls := []call{
		{"POST", "/api/v1/users", `{"username":"frank","password":"tulip-orbit-canvas-42","role":"analyst"}`, adm, 201, "user.create", "success"},
		{"POST", "/api/v1/users", `{"username":"gina","password":"short","role":"analyst"}`, adm, 400, "user.create", "failure"},
		{"PATCH", "/api/v1/users/{frank}", `{"role":"responder","displayName":"Frank"}`, adm, 200, "user.update", "success"},
		{"POST", "/api/v1/roles", `{"name":"rules_only","permissions":["rules:manage","data:read"]}`, adm, 201, "role.create", "success"},
		{"PUT", "/api/v1/roles/rules_only", `{"permissions":["rules:manage"]}`, adm, 200, "role.update", "success"},
		{"DELETE", "/api/v1/roles/admin", ``, adm, 409, "role.delete", "failure"},
		{"POST", "/api/v1/tokens", `{"name":"ship","role":"ingest","ttl":"24h"}`, adm, 201, "token.create", "success"},
		{"POST", "/api/v1/users", `{"username":"hal","password":"tulip-orbit-canvas-42","role":"reader"}`, reader, 403, "POST /api/v1/users", "denied"},
		{"POST", "/api/v1/hunt", `{"query":"Syslog | take 1"}`, reader, 200, "hunt.run", "success"},
		{"POST", "/api/v1/approvals", `{"kind":"response.isolate_device","target":"ws-1","reason":"beacon"}`, adm, 201, "approval.request", "success"},
		{"DELETE", "/api/v1/roles/rules_only", ``, adm, 204, "role.delete", "success"},
		{"DELETE", "/api/v1/users/{frank}", ``, adm, 204, "user.delete", "success"},
		// Reads, editor checks and ingestion are not changes.
		{"GET", "/api/v1/users", ``, adm, 200, "", ""},
		{"POST", "/api/v1/kql/check", `{"query":"Syslog"}`, reader, 200, "", ""},
		{"POST", "/api/v1/ingest/Syslog", `{"TimeGenerated":"2024-05-01T10:00:00Z","SyslogMessage":"x"}`, s.token("ingest"), 200, "", ""},
		// Anonymous requests refused at the door are not recorded (they could flood the trail).
		{"POST", "/api/v1/users", `{}`, "", 401, "", ""},
	}
	want := 0
	for _, c := range calls {
		path := strings.ReplaceAll(c.path, "{frank}", userID)
		code, out := s.do(c.method, path, c.token, strings.NewReader(c.body))
		require.Equal(t, c.status, code, "%s %s: %v", c.method, path, out)
		if c.path == "/api/v1/users" && c.status == 201 {
			userID = out["id"].(string)
		}
		if c.action != "" {
			want++
		}
	}
	// Sign-ins through the portal: one failure, one success, one sign-out.
	resp, _ := b.login("admin", "not-the-password-1")
	require.Equal(t, 401, resp.StatusCode)
	resp, _ = b.login("admin", adminPassword)
	require.Equal(t, 200, resp.StatusCode)
	resp, _ = b.send("POST", "/api/v1/auth/logout", "")
	require.Equal(t, 204, resp.StatusCode)
	want += 3

	entries, err := s.a.State.Audit(ctx, state.AuditFilter{AfterSeq: base[0].Seq, Ascending: true, Limit: 1000})
	require.NoError(t, err)
	require.Len(t, entries, want, "one entry per change")
	i := 0
	for _, c := range calls {
		if c.action == "" {
			continue
		}
		e := entries[i]
		i++
		require.Equal(t, c.action, e.Action, "entry %d", i)
		require.Equal(t, c.outcome, e.Outcome, "%s", c.action)
		require.Equal(t, c.status, e.Status, "%s", c.action)
		require.Equal(t, "127.0.0.1", e.SourceIP)
		require.NotEmpty(t, e.Actor)
	}
	upd := entries[2]
	require.Equal(t, userID, upd.Target)
	require.Equal(t, "token", upd.ActorType)
	var before, after map[string]any
	require.NoError(t, json.Unmarshal(upd.Before, &before))
	require.NoError(t, json.Unmarshal(upd.After, &after))
	require.Equal(t, "analyst", before["role"])
	require.Equal(t, "responder", after["role"])
	require.NotContains(t, string(upd.After), "argon2id", "no password hash in the trail")
	require.Contains(t, string(entries[8].Details), "Syslog | take 1", "the hunt's query")
	login := entries[len(entries)-2]
	require.Equal(t, "auth.login", login.Action)
	require.Equal(t, "password", login.AuthMethod)
	fail := entries[len(entries)-3]
	require.Equal(t, "failure", fail.Outcome)
	require.Contains(t, string(fail.Details), "bad_password")

	// The API serves the trail with filters.
	code, out := s.do("GET", "/api/v1/audit?action=role.&outcome=success", adm, nil)
	require.Equal(t, 200, code, out)
	require.Len(t, out["entries"], 3)
	code, _ = s.do("GET", "/api/v1/audit", reader, nil)
	require.Equal(t, 403, code)
	code, _ = s.do("GET", "/api/v1/audit?since=yesterday", adm, nil)
	require.Equal(t, 400, code)

	// And KQL over VigilAudit sees the same entries.
	require.NoError(t, s.a.Audit.Flush(ctx))
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, s.a.WaitWritten(wctx))
	total, err := s.a.State.Audit(ctx, state.AuditFilter{Limit: 1000})
	require.NoError(t, err)
	code, res := s.do("POST", "/api/v1/hunt", reader, strings.NewReader(
		`{"query":"VigilAudit | summarize n=count(), users=countif(TargetType == 'user') | project n, users"}`))
	require.Equal(t, 200, code, res)
	rows := res["rows"].([]any)
	// The hunt below was recorded after the copy, so the table holds every entry but its own.
	require.EqualValues(t, len(total), rows[0].([]any)[0])
	code, res = s.do("POST", "/api/v1/hunt", reader, strings.NewReader(
		`{"query":"VigilAudit | where Action == 'user.update' | project Actor, Target, Before, After"}`))
	require.Equal(t, 200, code, res)
	rows = res["rows"].([]any)
	require.Len(t, rows, 1)
	row := rows[0].([]any)
	require.Equal(t, []any{"admin-test", userID}, row[:2])
	require.Equal(t, "analyst", row[2].(map[string]any)["role"], "Before is a dynamic object")
	require.Equal(t, "responder", row[3].(map[string]any)["role"])
}

func TestCustomRoleTableGroups(t *testing.T) {
	s := start(t, nil)
	adm := s.token("admin")
	code, out := s.do("POST", "/api/v1/roles", adm, strings.NewReader(`{"name":"edr_reader","permissions":["data:read","hunt"],"tableGroups":["defender"]}`))
	require.Equal(t, 201, code, out)
	code, out = s.do("POST", "/api/v1/roles", adm, strings.NewReader(`{"name":"x","permissions":["fly"]}`))
	require.Equal(t, 400, code, out)
	code, _ = s.do("POST", "/api/v1/roles", adm, strings.NewReader(`{"name":"y","permissions":["hunt"],"tableGroups":["nope"]}`))
	require.Equal(t, 400, code)
	code, _ = s.do("PUT", "/api/v1/roles/reader", adm, strings.NewReader(`{"permissions":["hunt"]}`))
	require.Equal(t, 409, code, "built-in roles are immutable")
	code, out = s.do("POST", "/api/v1/tokens", adm, strings.NewReader(`{"name":"edr","role":"edr_reader"}`))
	require.Equal(t, 201, code, out)
	tok := out["secret"].(string)
	code, res := s.do("POST", "/api/v1/hunt", tok, strings.NewReader(`{"query":"DeviceProcessEvents | count"}`))
	require.Equal(t, 200, code, res)
	code, res = s.do("POST", "/api/v1/hunt", tok, strings.NewReader(`{"query":"SigninLogs | count"}`))
	require.Equal(t, 400, code, "a Sentinel table is outside the role's groups")
	require.Contains(t, res["error"].(map[string]any)["message"], "SigninLogs")
	code, _ = s.do("POST", "/api/v1/hunt", tok, strings.NewReader(`{"query":"union DeviceProcessEvents, VigilAudit | count"}`))
	require.Equal(t, 400, code, "nor the audit trail")
	code, _ = s.do("DELETE", "/api/v1/roles/edr_reader", adm, nil)
	require.Equal(t, 409, code, "a role a token holds stays")
}

// TestApprovalsNeedASecondPerson: the requester cannot approve their own request; another holder of
// response:approve can, once.
func TestApprovalsNeedASecondPerson(t *testing.T) {
	s := start(t, nil)
	r1, r2, analyst := s.token("responder"), s.token("responder"), s.token("analyst")
	code, out := s.do("POST", "/api/v1/approvals", r1, strings.NewReader(`{"kind":"response.disable_user","target":"alice@corp","params":{"reason":"phished"}}`))
	require.Equal(t, 201, code, out)
	id := out["id"].(string)
	require.Equal(t, "pending", out["status"])
	code, out = s.do("POST", "/api/v1/approvals/"+id+"/approve", r1, strings.NewReader(`{}`))
	require.Equal(t, 403, code)
	require.Equal(t, "four_eyes", out["error"].(map[string]any)["code"])
	code, _ = s.do("POST", "/api/v1/approvals/"+id+"/approve", analyst, strings.NewReader(`{}`))
	require.Equal(t, 403, code, "analysts do not hold response:approve")
	code, out = s.do("POST", "/api/v1/approvals/"+id+"/approve", r2, strings.NewReader(`{"comment":"confirmed with the user"}`))
	require.Equal(t, 200, code, out)
	require.Equal(t, "approved", out["approval"].(map[string]any)["status"])
	code, _ = s.do("POST", "/api/v1/approvals/"+id+"/reject", r2, strings.NewReader(`{}`))
	require.Equal(t, 409, code, "decided once")
	code, out = s.do("GET", "/api/v1/approvals?status=approved", analyst, nil)
	require.Equal(t, 200, code)
	require.Len(t, out["approvals"], 1)
}

// TestNoEscalation: a custom role allowed to manage users cannot grant, or take over, more rights than it holds.
func TestNoEscalation(t *testing.T) {
	s := start(t, nil)
	s.bootstrap()
	adm := s.token("admin")
	code, _ := s.do("POST", "/api/v1/roles", adm, strings.NewReader(`{"name":"helpdesk","permissions":["users:manage","data:read","hunt"]}`))
	require.Equal(t, 201, code)
	code, out := s.do("POST", "/api/v1/tokens", adm, strings.NewReader(`{"name":"hd","role":"helpdesk"}`))
	require.Equal(t, 201, code)
	hd := out["secret"].(string)

	code, out = s.do("POST", "/api/v1/users", hd, strings.NewReader(`{"username":"rita","password":"tulip-orbit-canvas-42","role":"reader"}`))
	require.Equal(t, 201, code, "a reader holds nothing helpdesk lacks: %v", out)
	rita := out["id"].(string)
	code, out = s.do("POST", "/api/v1/users", hd, strings.NewReader(`{"username":"sam","password":"tulip-orbit-canvas-42","role":"admin"}`))
	require.Equal(t, 403, code)
	require.Equal(t, "escalation", out["error"].(map[string]any)["code"])
	code, _ = s.do("PATCH", "/api/v1/users/"+rita, hd, strings.NewReader(`{"role":"analyst"}`))
	require.Equal(t, 403, code, "analyst holds incidents:manage")
	code, _ = s.do("POST", "/api/v1/roles", hd, strings.NewReader(`{"name":"sneaky","permissions":["settings:manage"]}`))
	require.Equal(t, 403, code)
	code, _ = s.do("POST", "/api/v1/tokens", hd, strings.NewReader(`{"role":"admin"}`))
	require.Equal(t, 403, code, "tokens:manage is not helpdesk's anyway")
	admin, err := s.a.State.UserByName(context.Background(), "admin")
	require.NoError(t, err)
	code, _ = s.do("POST", "/api/v1/users/"+admin.ID+"/password", hd, strings.NewReader(`{"password":"tulip-orbit-canvas-99"}`))
	require.Equal(t, 403, code, "no taking over the admin account")
	code, _ = s.do("DELETE", "/api/v1/users/"+admin.ID+"/totp", hd, nil)
	require.Equal(t, 403, code)
	code, _ = s.do("POST", "/api/v1/users/"+rita+"/password", hd, strings.NewReader(`{"password":"tulip-orbit-canvas-99"}`))
	require.Equal(t, 204, code, "a weaker account is fine")
}
