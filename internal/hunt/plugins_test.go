package hunt_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestPluginsOverStoredEvents runs sequence_detect and basket, as analytics rules use them, over events stored in
// the real DuckDB store through the hunting service (the path scheduled rules take). ws1 signs in and reaches the
// drive 2 s later twice (at 0 s and at 60 s; the drive at 62 s is too late for the sign-in at 0 s); ws2 reaches
// the drive 10 s after signing in, outside the 5 s step.
func TestPluginsOverStoredEvents(t *testing.T) {
	ctx := context.Background()
	cat := schema.NewCatalog()
	db := openStore(t, cat, "CommonSecurityLog")
	tab, _ := cat.Table("CommonSecurityLog")
	col := func(name string) int {
		_, i, ok := tab.Column(name)
		require.True(t, ok, name)
		return i
	}
	tg, url, ip, host := col("TimeGenerated"), col("RequestURL"), col("SourceIP"), col("SourceHostName")
	now := time.Now().UTC().Truncate(time.Second)
	t0 := now.Add(-30 * time.Minute)
	b := batch.NewBuilder(tab)
	for _, e := range []struct {
		at        time.Duration
		url, host string
	}{
		{0, "https://login.example.com/token", "ws1"},
		{2 * time.Second, "https://graph.example.com/drive/items", "ws1"},
		{60 * time.Second, "https://login.example.com/token", "ws1"},
		{62 * time.Second, "https://graph.example.com/drive/items", "ws1"},
		{0, "https://login.example.com/token", "ws2"},
		{10 * time.Second, "https://graph.example.com/drive/items", "ws2"},
	} {
		b.Begin()
		b.SetInt(tg, t0.Add(e.at).UnixMicro())
		b.SetString(url, e.url)
		b.SetString(ip, map[string]string{"ws1": "10.0.0.1", "ws2": "10.0.0.2"}[e.host])
		b.SetString(host, e.host)
		b.Commit()
	}
	_, err := db.Append(ctx, []*batch.Batch{b.Finish("b1", now.UnixMicro())})
	require.NoError(t, err)
	svc := hunt.New(hunt.Config{}, cat, db)

	res, err := svc.Run(ctx, hunt.Request{Timespan: "1h", Query: `CommonSecurityLog
		| where isnotempty(RequestURL)
		| evaluate sequence_detect(TimeGenerated, 5s, 8s, signin=(RequestURL has "login.example.com/token"),
		    drive=(RequestURL has "graph.example.com/drive"), SourceIP, SourceHostName)
		| summarize Events = count(), Longest = max(Duration) by SourceIP, SourceHostName`})
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
	require.Equal(t, []any{"10.0.0.1", "ws1", float64(2)}, normalize(res.Rows[0][:3]))

	// basket over the same rows: ws1 is 4 of 6 rows; login and drive URLs 3 each; 10.0.0.1 always goes with ws1.
	res, err = svc.Run(ctx, hunt.Request{Timespan: "1h", Query: `CommonSecurityLog
		| project SourceHostName, SourceIP, RequestURL
		| evaluate basket(0.5)
		| project Count, SourceHostName, SourceIP, RequestURL`})
	require.NoError(t, err)
	require.Equal(t, [][]any{
		{float64(4), "ws1", "10.0.0.1", ""},
		{float64(3), "", "", "https://login.example.com/token"},
		{float64(3), "", "", "https://graph.example.com/drive/items"},
	}, func() [][]any {
		var out [][]any
		for _, r := range res.Rows {
			out = append(out, normalize(r))
		}
		return out
	}())
}
