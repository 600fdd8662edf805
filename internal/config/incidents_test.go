package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
)

func TestIncidentsConfig(t *testing.T) {
	cfg, err := config.Load("testdata/incidents.good.yaml", noEnv)
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	require.Equal(t, config.Incidents{SizeCap: 50, Lookback: config.Duration(5 * time.Hour),
		PrevalenceWindow: config.Duration(14 * 24 * time.Hour), SpreadLimit: 5, Threshold: 1.5,
		Interval: config.Duration(2 * time.Second)}, cfg.Incidents)

	env := map[string]string{"VIGIL_INCIDENTS_SIZE_CAP": "20", "VIGIL_INCIDENTS_LOOKBACK": "2d"}
	cfg, err = config.Load("testdata/incidents.good.yaml", func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, 20, cfg.Incidents.SizeCap)
	require.Equal(t, config.Duration(48*time.Hour), cfg.Incidents.Lookback)

	cfg, err = config.Load("testdata/incidents.bad.yaml", noEnv)
	require.NoError(t, err)
	err = cfg.Validate()
	for _, want := range []string{"incidents.size_cap: 0", "incidents.lookback: 60d", "incidents.prevalence_window: 10m0s",
		"incidents.spread_limit", "incidents.threshold: -1", "incidents.interval: 1ms"} {
		require.ErrorContains(t, err, want)
	}
}
