package udf_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/store/duckdb/udf"
)

func TestPeriodsDetectFindsTheSeason(t *testing.T) {
	// A daily pattern in hourly bins over a week, with a small drift.
	s := make([]float64, 24*7)
	for i := range s {
		s[i] = 10 + 5*math.Sin(2*math.Pi*float64(i)/24) + float64(i)*0.01
	}
	ps, scores := udf.PeriodsDetect(s, 4, float64(len(s)/2), 2)
	require.NotEmpty(t, ps)
	require.Equal(t, 24, ps[0])
	require.Greater(t, scores[0], 0.6)
}

func TestDecomposeSeasonalSeries(t *testing.T) {
	s := make([]float64, 24*5)
	for i := range s {
		s[i] = float64(i % 24)
	}
	d := udf.Decompose(s, -1, "avg", 0, 0.6)
	// The seasonal component carries the whole pattern, so nothing is left over.
	for i, r := range d.Residual {
		require.InDelta(t, 0, r, 1e-9, "residual[%d]", i)
	}
	// With seasonality turned off, the average is the baseline.
	d = udf.Decompose(s, 0, "avg", 0, 0.6)
	require.InDelta(t, 11.5, d.Baseline[0], 1e-9)
}

func TestSeriesFunctionsInSQL(t *testing.T) {
	db := open(t)
	var got string
	require.NoError(t, db.QueryRow(`SELECT kql_series_outliers('[1, 2, 3, 2, 1, 2, 3, 2, 1, 40]', 'tukey')`).Scan(&got))
	var scores []float64
	require.NoError(t, json.Unmarshal([]byte(got), &scores))
	require.Len(t, scores, 10)
	require.Greater(t, scores[9], 1.5)
	require.Zero(t, scores[1])
	var null any
	require.NoError(t, db.QueryRow(`SELECT kql_series_stats('not json')`).Scan(&null))
	require.Nil(t, null)
}
