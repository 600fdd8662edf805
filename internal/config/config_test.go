package config_test

import (
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
)

func noEnv(string) string { return "" }

func TestDefaultsAreValid(t *testing.T) {
	cfg, err := config.Load("", noEnv)
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	require.Equal(t, "./vigil-data", cfg.DataDir)
	require.Equal(t, "127.0.0.1:8080", cfg.Listen)
}

func TestGoodFile(t *testing.T) {
	cfg, err := config.Load("testdata/full.good.yaml", noEnv)
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	require.Equal(t, 7*24*time.Hour, cfg.Store.Retention.For("Syslog"))
	require.Equal(t, 36*time.Hour, cfg.Store.Retention.For("SecurityEvent"))
	require.Equal(t, 30*24*time.Hour, cfg.Store.Retention.For("DeviceProcessEvents"))
	require.Equal(t, 2000, cfg.Ingest.BatchRows)
	require.True(t, cfg.Stream.SyncAlways)
	require.Equal(t, "table:MyApp_CL", cfg.HEC.SourceTypes["myapp:*"])
	require.Equal(t, "9.1.0", cfg.Elastic.Version)
}

func TestBadFiles(t *testing.T) {
	_, err := config.Load("testdata/unknown.bad.yaml", noEnv)
	require.ErrorContains(t, err, "field listn not found")

	_, err = config.Load("testdata/duration.bad.yaml", noEnv)
	require.ErrorContains(t, err, `line 3: invalid duration "forever"`)

	cfg, err := config.Load("testdata/invalid.bad.yaml", noEnv)
	require.NoError(t, err)
	err = cfg.Validate()
	require.ErrorContains(t, err, `listen: "nope" is not host:port`)
	require.ErrorContains(t, err, `log.level: "loud"`)
	require.ErrorContains(t, err, "ingest.batch_rows")
	require.ErrorContains(t, err, `hec.source_types["x"]: unknown reader "yaml"`)
	require.ErrorContains(t, err, `elastic.version: "6"`)
}

func TestPrecedenceFileEnvFlags(t *testing.T) {
	env := map[string]string{"VIGIL_LISTEN": "127.0.0.1:9000", "VIGIL_DATA_DIR": "/from/env", "VIGIL_RETENTION": "14d"}
	cfg, err := config.Load("testdata/full.good.yaml", func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9000", cfg.Listen)
	require.Equal(t, 14*24*time.Hour, cfg.Store.Retention.For("Other"))
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	require.NoError(t, fs.Parse([]string{"--data", "/from/flag"}))
	require.Equal(t, "/from/flag", cfg.DataDir)
	require.Equal(t, "127.0.0.1:9000", cfg.Listen)

	_, err = config.Load("", func(k string) string {
		if k == "VIGIL_METRICS_PUBLIC" {
			return "maybe"
		}
		return ""
	})
	require.ErrorContains(t, err, `VIGIL_METRICS_PUBLIC="maybe"`)
}
