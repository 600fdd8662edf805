package udf

import (
	"database/sql/driver"
	"encoding/json"
	"math"
	"sort"
	"strings"
)

// The series analytics functions (series_fit_line, series_stats, series_outliers, series_decompose,
// series_decompose_anomalies) follow the algorithms the Kusto documentation describes. A tuple result travels as a
// JSON array of its elements; the compiler takes them apart with tuple_item. Nulls and non-numbers in a series are
// missing values.
func init() {
	anyT := Any
	for _, name := range []string{"kql_series_fit_line", "kql_series_stats", "kql_series_outliers", "kql_series_decompose",
		"kql_series_decompose_anomalies", "kql_series_periods_detect", "kql_series_stats_dynamic", "kql_series_fit_line_dynamic"} {
		fn := seriesFuncs[name]
		Register(Func{Name: name, Args: []Type{JSON}, Variadic: &anyT, Result: JSON, Nulls: true,
			Fn: func(a []driver.Value) (any, error) {
				s, ok := series(a[0])
				if !ok {
					return nil, nil
				}
				out := fn(s, a[1:])
				if out == nil {
					return nil, nil
				}
				b, err := json.Marshal(out)
				if err != nil {
					return nil, err
				}
				return string(b), nil
			}})
	}
}

var seriesFuncs = map[string]func(s []float64, opt []driver.Value) any{
	"kql_series_fit_line": func(s []float64, _ []driver.Value) any {
		f := FitLine(s)
		return []any{jsonNum(f.RSquare), jsonNum(f.Slope), jsonNum(f.Variance), jsonNum(f.RVariance), jsonNum(f.Interception), nums(f.Line)}
	},
	"kql_series_stats": func(s []float64, opt []driver.Value) any {
		ignore := optFloat(opt, 0, math.NaN())
		st := Stats(s, ignore)
		return []any{jsonNum(st.Min), st.MinIdx, jsonNum(st.Max), st.MaxIdx, jsonNum(st.Avg), jsonNum(st.Stdev), jsonNum(st.Variance)}
	},
	"kql_series_fit_line_dynamic": func(s []float64, _ []driver.Value) any {
		f := FitLine(s)
		return orderedObject{{"rsquare", jsonNum(f.RSquare)}, {"slope", jsonNum(f.Slope)}, {"variance", jsonNum(f.Variance)},
			{"rvariance", jsonNum(f.RVariance)}, {"interception", jsonNum(f.Interception)}, {"line_fit", nums(f.Line)}}
	},
	"kql_series_stats_dynamic": func(s []float64, opt []driver.Value) any {
		ignore := optFloat(opt, 0, math.NaN())
		st := Stats(s, ignore)
		var sum float64
		var n int64
		for _, v := range s {
			if !math.IsNaN(v) && v != ignore {
				sum += v
				n++
			}
		}
		return orderedObject{{"min", jsonNum(st.Min)}, {"min_idx", st.MinIdx}, {"max", jsonNum(st.Max)}, {"max_idx", st.MaxIdx},
			{"avg", jsonNum(st.Avg)}, {"stdev", jsonNum(st.Stdev)}, {"variance", jsonNum(st.Variance)}, {"sum", sum}, {"len", n}}
	},
	"kql_series_outliers": func(s []float64, opt []driver.Value) any {
		lo, hi := outlierPercentiles(optString(opt, 0, "ctukey"), optFloat(opt, 2, 10), optFloat(opt, 3, 90))
		ignore := optFloat(opt, 1, math.NaN())
		return nums(Outliers(s, ignore, lo, hi))
	},
	"kql_series_decompose": func(s []float64, opt []driver.Value) any {
		d := Decompose(s, optInt(opt, 0, -1), optString(opt, 1, "avg"), optInt(opt, 2, 0), optFloat(opt, 3, 0.6))
		return []any{nums(d.Baseline), nums(d.Seasonal), nums(d.Trend), nums(d.Residual)}
	},
	"kql_series_decompose_anomalies": func(s []float64, opt []driver.Value) any {
		threshold := optFloat(opt, 0, 1.5)
		d := Decompose(s, optInt(opt, 1, -1), optString(opt, 2, "linefit"), optInt(opt, 3, 0), optFloat(opt, 5, 0.6))
		lo, hi := outlierPercentiles(optString(opt, 4, "ctukey"), 10, 90)
		score := Outliers(d.Residual, math.NaN(), lo, hi)
		flag := make([]any, len(score))
		for i, v := range score {
			switch {
			case v > threshold:
				flag[i] = int64(1)
			case v < -threshold:
				flag[i] = int64(-1)
			default:
				flag[i] = int64(0)
			}
		}
		return []any{flag, nums(score), nums(d.Baseline)}
	},
	"kql_series_periods_detect": func(s []float64, opt []driver.Value) any {
		p, score := PeriodsDetect(s, optFloat(opt, 0, 4), optFloat(opt, 1, float64(len(s)/2)), optInt(opt, 2, 1))
		ps := make([]any, len(p))
		for i := range p {
			ps[i] = float64(p[i])
		}
		return []any{ps, nums(score)}
	},
}

// series reads a JSON array of numbers; a non-number element is NaN (a missing value).
func series(v driver.Value) ([]float64, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	var raw []any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, false
	}
	out := make([]float64, len(raw))
	for i, x := range raw {
		switch n := x.(type) {
		case float64:
			out[i] = n
		case bool:
			if n {
				out[i] = 1
			}
		default:
			out[i] = math.NaN()
		}
	}
	return out, true
}

// jsonNum is a JSON number, or null for NaN and infinities.
func jsonNum(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

func nums(fs []float64) []any {
	out := make([]any, len(fs))
	for i, f := range fs {
		out[i] = jsonNum(f)
	}
	return out
}

func optFloat(opt []driver.Value, i int, def float64) float64 {
	if i >= len(opt) {
		return def
	}
	switch v := opt[i].(type) {
	case float64:
		return v
	case float32:
		return float64(v)
	case int64:
		return float64(v)
	case int32:
		return float64(v)
	case int:
		return float64(v)
	}
	return def
}

func optInt(opt []driver.Value, i int, def int) int {
	f := optFloat(opt, i, math.NaN())
	if math.IsNaN(f) {
		return def
	}
	return int(f)
}

func optString(opt []driver.Value, i int, def string) string {
	if i < len(opt) {
		if s, ok := opt[i].(string); ok && s != "" {
			return strings.ToLower(s)
		}
	}
	return def
}

// LineFit is the result of a least-squares line fit over x = 1..n.
type LineFit struct {
	RSquare, Slope, Variance, RVariance, Interception float64
	Line                                              []float64
}

// FitLine fits y = Interception + Slope*x for x = 1..n, as series_fit_line does: Variance is the sample variance of
// the input, RVariance that of the residuals (both over n-1), RSquare 1 - SSres/SStot.
func FitLine(y []float64) LineFit {

	if len(y) == 0 {
		return LineFit{RSquare: math.NaN(), Slope: math.NaN(), Variance: math.NaN(), RVariance: math.NaN(), Interception: math.NaN()}
	}
	var sx, sy float64
	cnt := 0.0
	for i, v := range y {
		if math.IsNaN(v) {
			continue
		}
		sx += float64(i + 1)
		sy += v
		cnt++
	}
	mx, my := sx/cnt, sy/cnt
	var sxx, sxy, sst float64
	for i, v := range y {
		if math.IsNaN(v) {
			continue
		}
		dx := float64(i+1) - mx
		sxx += dx * dx
		sxy += dx * (v - my)
		sst += (v - my) * (v - my)
	}
	slope := 0.0
	if sxx > 0 {
		slope = sxy / sxx
	}
	icpt := my - slope*mx
	line := make([]float64, len(y))
	var ssr float64
	for i, v := range y {
		line[i] = icpt + slope*float64(i+1)
		if !math.IsNaN(v) {
			ssr += (v - line[i]) * (v - line[i])
		}
	}
	f := LineFit{Slope: slope, Interception: icpt, Line: line}
	if cnt > 1 {
		f.Variance = sst / (cnt - 1)
		f.RVariance = ssr / (cnt - 1)
	}
	if sst > 0 {
		f.RSquare = 1 - ssr/sst
	} else {
		f.RSquare = 1
	}
	return f
}

// SeriesStats is the result of series_stats.
type SeriesStats struct {
	Min, Max, Avg, Stdev, Variance float64
	MinIdx, MaxIdx                 int64
}

// Stats computes series_stats: the minimum and maximum with the index of their first occurrence, the average, and
// the sample standard deviation and variance, ignoring missing values and ignore.
func Stats(s []float64, ignore float64) SeriesStats {
	st := SeriesStats{Min: math.NaN(), Max: math.NaN(), Avg: math.NaN(), Stdev: math.NaN(), Variance: math.NaN(), MinIdx: -1, MaxIdx: -1}
	var sum, cnt float64
	for i, v := range s {
		if math.IsNaN(v) || v == ignore {
			continue
		}
		if st.MinIdx < 0 || v < st.Min {
			st.Min, st.MinIdx = v, int64(i)
		}
		if st.MaxIdx < 0 || v > st.Max {
			st.Max, st.MaxIdx = v, int64(i)
		}
		sum += v
		cnt++
	}
	if cnt == 0 {
		return st
	}
	st.Avg = sum / cnt
	if cnt > 1 {
		var ss float64
		for _, v := range s {
			if math.IsNaN(v) || v == ignore {
				continue
			}
			ss += (v - st.Avg) * (v - st.Avg)
		}
		st.Variance = ss / (cnt - 1)
		st.Stdev = math.Sqrt(st.Variance)
	}
	return st
}

func outlierPercentiles(kind string, lo, hi float64) (float64, float64) {
	if kind == "tukey" {
		return 25, 75
	}
	return lo, hi
}

// Outliers scores each point with Tukey's test over the percentiles lo and hi (25/75 for "tukey", 10/90 by default
// for "ctukey"): (v - P_hi) / (P_hi - P_lo) above the range, (v - P_lo) / (P_hi - P_lo) below it, 0 inside it and for
// missing or ignored values.
func Outliers(s []float64, ignore, lo, hi float64) []float64 {
	var vals []float64
	for _, v := range s {
		if !math.IsNaN(v) && v != ignore {
			vals = append(vals, v)
		}
	}
	out := make([]float64, len(s))
	if len(vals) == 0 {
		return out
	}
	sort.Float64s(vals)
	plo, phi := percentile(vals, lo), percentile(vals, hi)
	iqr := phi - plo
	for i, v := range s {
		switch {
		case math.IsNaN(v) || v == ignore:
		case v > phi:
			out[i] = score(v-phi, iqr)
		case v < plo:
			out[i] = score(v-plo, iqr)
		}
	}
	return out
}

func score(d, iqr float64) float64 {
	if iqr > 0 {
		return d / iqr
	}
	// A flat series: any departure is an outlier of unbounded score; keep it finite and signed.
	if d > 0 {
		return math.MaxFloat32
	}
	return -math.MaxFloat32
}

// percentile interpolates linearly between the closest ranks of sorted.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	r := p / 100 * float64(len(sorted)-1)
	i := int(math.Floor(r))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := r - float64(i)
	return sorted[i] + f*(sorted[i+1]-sorted[i])
}

// Decomposition is the result of series_decompose.
type Decomposition struct {
	Baseline, Seasonal, Trend, Residual []float64
}

// Decompose splits s as series_decompose documents: the seasonal component is the median of the points at the same
// phase of the period (detected when period is -1, none when 0), the trend is fitted on the deseasonalised series
// ("avg", "linefit" or "none"), baseline = seasonal + trend and residual = s - baseline. The last testPoints points
// are left out of the learning and forecast from it.
func Decompose(s []float64, period int, trend string, testPoints int, threshold float64) Decomposition {
	n := len(s)
	if testPoints < 0 || testPoints >= n {
		testPoints = 0
	}
	train := s[:n-testPoints]
	if period < 0 {
		ps, scores := PeriodsDetect(train, 4, float64(len(train)/2), 1)
		period = 0
		if len(ps) > 0 && scores[0] >= threshold {
			period = ps[0]
		}
	}
	d := Decomposition{Baseline: make([]float64, n), Seasonal: make([]float64, n), Trend: make([]float64, n), Residual: make([]float64, n)}
	if period > 1 && period < len(train) {
		phase := make([][]float64, period)
		for i, v := range train {
			if !math.IsNaN(v) {
				phase[i%period] = append(phase[i%period], v)
			}
		}
		med := make([]float64, period)
		for p, vs := range phase {
			if len(vs) > 0 {
				sort.Float64s(vs)
				med[p] = percentile(vs, 50)
			}
		}
		for i := range d.Seasonal {
			d.Seasonal[i] = med[i%period]
		}
	}
	deseason := make([]float64, len(train))
	for i, v := range train {
		deseason[i] = v - d.Seasonal[i]
	}
	switch trend {
	case "linefit":
		f := FitLine(deseason)
		for i := range d.Trend {
			d.Trend[i] = f.Interception + f.Slope*float64(i+1)
		}
	case "none":
	default: // avg
		var sum, cnt float64
		for _, v := range deseason {
			if !math.IsNaN(v) {
				sum += v
				cnt++
			}
		}
		if cnt > 0 {
			for i := range d.Trend {
				d.Trend[i] = sum / cnt
			}
		}
	}
	for i, v := range s {
		d.Baseline[i] = d.Seasonal[i] + d.Trend[i]
		d.Residual[i] = v - d.Baseline[i]
		if math.IsNaN(v) {
			d.Residual[i] = 0
		}
	}
	return d
}

// PeriodsDetect finds up to k periods between lo and hi (in bins) with the highest autocorrelation of the series
// with itself shifted by the period; the score of a period is that autocorrelation (0 to 1). A multiple of a better
// period is not reported.
func PeriodsDetect(s []float64, lo, hi float64, k int) ([]int, []float64) {
	n := len(s)
	var mean, cnt float64
	for _, v := range s {
		if !math.IsNaN(v) {
			mean += v
			cnt++
		}
	}
	if cnt < 4 {
		return nil, nil
	}
	mean /= cnt
	var denom float64
	for _, v := range s {
		if !math.IsNaN(v) {
			denom += (v - mean) * (v - mean)
		}
	}
	if denom == 0 {
		return nil, nil
	}
	type cand struct {
		p     int
		score float64
	}
	var cands []cand
	minP, maxP := int(math.Ceil(lo)), int(math.Floor(hi))
	if minP < 2 {
		minP = 2
	}
	if maxP > n/2 {
		maxP = n / 2
	}
	for p := minP; p <= maxP; p++ {
		var num float64
		for i := 0; i+p < n; i++ {
			a, b := s[i], s[i+p]
			if math.IsNaN(a) || math.IsNaN(b) {
				continue
			}
			num += (a - mean) * (b - mean)
		}
		// Scale by the number of pairs so long lags are not penalised for having fewer of them.
		r := num / denom * float64(n) / float64(n-p)
		if r > 0 {
			cands = append(cands, cand{p, math.Min(r, 1)})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var ps []int
	var scores []float64
	for _, c := range cands {
		if len(ps) >= k {
			break
		}
		multiple := false
		for _, p := range ps {
			if c.p%p == 0 {
				multiple = true
			}
		}
		if !multiple {
			ps = append(ps, c.p)
			scores = append(scores, c.score)
		}
	}
	return ps, scores
}
