package app_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/app"
	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/config"
)

// heldWriter starts a server whose store writer, once hold is set, stops after its next commit until release is
// closed: the stream then stays behind, the way a slow store makes it, and ingest requests must wait for admission.
func heldWriter(t *testing.T, maxLag uint64, wait time.Duration) (s *server, hold *atomic.Bool, release chan struct{}) {
	hold, release = &atomic.Bool{}, make(chan struct{})
	s = startWith(t, func(cfg *config.Config) {
		cfg.Detection.BuiltinRules, cfg.Analytics.NRT = false, false
		cfg.Ingest.MaxLag, cfg.Ingest.AdmitWait = maxLag, config.Duration(wait)
	}, func(a *app.App) {
		a.Writer.OnCommit = func([]*batch.Batch) {
			if hold.Load() {
				<-release
			}
		}
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return s, hold, release
}

// rawRequest is an HTTP/1.1 request sent by hand with "Expect: 100-continue" and its body held back: the server
// answers "100 Continue" when, and only when, a handler starts reading the body, so the test sees exactly when a
// request was admitted, and that nothing read its body before.
type rawRequest struct {
	t       *testing.T
	conn    net.Conn
	body    []byte
	sent    time.Time
	answers chan rawAnswer
}

type rawAnswer struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func (s *server) rawStart(path string, body []byte, hdr ...string) *rawRequest {
	s.t.Helper()
	conn, err := net.Dial("tcp", s.a.Addr())
	require.NoError(s.t, err)
	s.t.Cleanup(func() { _ = conn.Close() })
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: vigil\r\nContent-Length: %d\r\nExpect: 100-continue\r\n", path, len(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		head += hdr[i] + ": " + hdr[i+1] + "\r\n"
	}
	r := &rawRequest{t: s.t, conn: conn, body: body, sent: time.Now(), answers: make(chan rawAnswer, 4)}
	_, err = io.WriteString(conn, head+"\r\n")
	require.NoError(s.t, err)
	go func() {
		br := bufio.NewReader(conn)
		for {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				r.answers <- rawAnswer{err: err}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			r.answers <- rawAnswer{status: resp.StatusCode, header: resp.Header, body: b}
			if resp.StatusCode >= 200 {
				return
			}
		}
	}()
	return r
}

// next waits for the request's next answer (100 Continue or the final one).
func (r *rawRequest) next() rawAnswer {
	r.t.Helper()
	select {
	case a := <-r.answers:
		require.NoError(r.t, a.err)
		return a
	case <-time.After(30 * time.Second):
		r.t.Fatal("no answer in 30 s")
	}
	return rawAnswer{}
}

// quiet checks that the request got no answer at all so far: its body was not read and it was not refused.
func (r *rawRequest) quiet(name string) {
	r.t.Helper()
	select {
	case a := <-r.answers:
		r.t.Fatalf("request %s was answered %d (%v) while it should wait unread", name, a.status, a.err)
	default:
	}
}

func (r *rawRequest) sendBody() {
	r.t.Helper()
	_, err := r.conn.Write(r.body)
	require.NoError(r.t, err)
}

func processLine(i int) []byte {
	return []byte(fmt.Sprintf(`{"Timestamp":"2024-05-01T10:00:%02dZ","DeviceName":"ws-%d","FileName":"a%d.exe"}`+"\n", i, i, i))
}

// TestIngestAdmissionWaitsInOrder: while the store writer is behind, ingest requests wait without their body being
// read, and go on one after the other in the order they came, as the writer catches up.
func TestIngestAdmissionWaitsInOrder(t *testing.T) {
	s, hold, release := heldWriter(t, 1, 30*time.Second)
	tok := s.token("ingest")
	auth := []string{"Authorization", "Bearer " + tok}
	const path = "/api/v1/ingest/DeviceProcessEvents"

	hold.Store(true)
	code, _ := s.post(path, processLine(0), auth...)
	require.Equal(t, 200, code)
	// The writer now holds that batch: the lag is 1 of ingest.max_lag 1, so the next requests wait.
	adm := s.a.Receiver.Admission()
	var reqs []*rawRequest
	for i := 1; i <= 3; i++ {
		reqs = append(reqs, s.rawStart(path, processLine(i), auth...))
		require.Eventually(t, func() bool { return adm.Waiting() == i }, 10*time.Second, time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	for i, r := range reqs {
		r.quiet(strconv.Itoa(i + 1))
	}

	close(release) // the writer catches up
	for i, r := range reqs {
		require.Equal(t, http.StatusContinue, r.next().status, "request %d is admitted: its body is read", i+1)
		// The others wait: the one admitted is in flight and the lag allows only one.
		for j, o := range reqs[i+1:] {
			o.quiet(strconv.Itoa(i + j + 2))
		}
		r.sendBody()
		a := r.next()
		require.Equal(t, 200, a.status, string(a.body))
	}
	s.waitWritten()
	require.Equal(t, int64(4), s.rows(`SELECT count(*) FROM "DeviceProcessEvents"`)[0][0])
}

// TestIngestAdmissionRefusesAfterTheWait: a request still waiting after ingest.admit_wait is refused with
// Retry-After, on every HTTP receiver, without its body having been read; nothing is lost, and the retry is stored
// once.
func TestIngestAdmissionRefusesAfterTheWait(t *testing.T) {
	const wait = time.Second
	s, hold, release := heldWriter(t, 1, wait)
	tok := s.token("ingest")
	const path = "/api/v1/ingest/DeviceProcessEvents"

	hold.Store(true)
	code, _ := s.post(path, processLine(0), "Authorization", "Bearer "+tok)
	require.Equal(t, 200, code)

	hecBody := []byte(`{"time":1714557600,"host":"ws-1","sourcetype":"_json","event":{"a":1}}`)
	cases := []struct {
		name, path string
		hdr        []string
		body       []byte
		status     int
		says       string
	}{
		{"NDJSON", path, []string{"Authorization", "Bearer " + tok}, processLine(1), 429, `"backpressure"`},
		{"Splunk HEC", "/services/collector/event", []string{"Authorization", "Splunk " + tok}, hecBody, 503, `"code":9`},
		{"Elasticsearch _bulk", "/_bulk", []string{"Authorization", "Bearer " + tok, "Content-Type", "application/x-ndjson"},
			[]byte("{\"create\":{\"_index\":\"logs\"}}\n{\"message\":\"x\"}\n"), 429, "es_rejected_execution_exception"},
		{"OTLP", "/v1/logs", []string{"Authorization", "Bearer " + tok, "Content-Type", "application/json"},
			[]byte(`{"resourceLogs":[]}`), 429, "ingestion is behind"},
	}
	for _, c := range cases {
		r := s.rawStart(c.path, c.body, c.hdr...)
		a := r.next() // a 100 Continue here would mean the body was read while waiting
		require.Equal(t, c.status, a.status, "%s: %s", c.name, a.body)
		require.Equal(t, "1", a.header.Get("Retry-After"), c.name)
		require.Contains(t, string(a.body), c.says, c.name)
		elapsed := time.Since(r.sent)
		require.GreaterOrEqual(t, elapsed, wait, "%s waited for admission first", c.name)
		require.Less(t, elapsed, 20*wait, "%s: the wait is bounded", c.name)
	}

	close(release)
	code, _ = s.post(path, processLine(1), "Authorization", "Bearer "+tok)
	require.Equal(t, 200, code)
	s.waitWritten()
	require.Equal(t, int64(2), s.rows(`SELECT count(*) FROM "DeviceProcessEvents"`)[0][0], "the first request and the retry, once each")
}
