package ndjson

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/x/jsonw"
)

// frozenLine decodes lines as the releases before session 8 did, with the conversion code of
// internal/ingest/normalize/json.go at main 61a86bd copied here unchanged but for one thing, the field names in
// _Extra written with jsonw.AppendString (the change session 8 made on purpose). normalize.JSON.Object now shares its
// conversions with normalize.JSON.Line, so this frozen copy is what holds both to the old behaviour. Values go into
// their own string copies instead of an arena; the stored values are the same.
func frozenLine(b *batch.Builder) func(*normalize.JSON, []byte) error {
	var p fastjson.Parser
	f := &frozen{b: b, t: b.Table()}
	_, f.timePos, _ = f.t.Column(f.t.TimeColumn)
	_, f.extraPos, _ = f.t.Column(schema.ColExtra)
	return func(_ *normalize.JSON, text []byte) error {
		v, err := p.ParseBytes(text)
		if err != nil {
			return fmt.Errorf("invalid JSON: %v", err)
		}
		o, err := v.Object()
		if err != nil {
			return fmt.Errorf("not a JSON object but %s", v.Type())
		}
		return f.object(o)
	}
}

type frozen struct {
	b        *batch.Builder
	t        *schema.Table
	timePos  int
	extraPos int
	extra    []byte
}

func (j *frozen) object(o *fastjson.Object) error {
	j.b.Begin()
	j.extra = j.extra[:0]
	var err error
	o.Visit(func(key []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		name := string(key)
		_, pos, ok := j.t.Column(name)
		if !ok || name == schema.ColItemID || name == schema.ColTimeReceived || name == schema.ColExtra {
			pos = -1
		}
		if pos < 0 {
			if len(j.extra) == 0 {
				j.extra = append(j.extra, '{')
			} else {
				j.extra = append(j.extra, ',')
			}
			j.extra = jsonw.AppendString(j.extra, name)
			j.extra = append(j.extra, ':')
			j.extra = v.MarshalTo(j.extra)
			return
		}
		if e := j.set(pos, v); e != nil {
			err = &normalize.FieldError{Field: name, Reason: e.Error()}
		}
	})
	if err == nil && !j.b.IsSet(j.timePos) {
		err = &normalize.FieldError{Field: j.t.TimeColumn, Reason: "missing time column " + j.t.TimeColumn}
	}
	if err != nil {
		j.b.Rollback()
		return err
	}
	if len(j.extra) > 0 {
		j.extra = append(j.extra, '}')
		j.b.SetString(j.extraPos, string(j.extra))
	}
	j.b.Commit()
	return nil
}

func (j *frozen) set(pos int, v *fastjson.Value) error {
	if v.Type() == fastjson.TypeNull {
		return nil
	}
	col := j.t.Columns[pos]
	switch col.Type {
	case schema.TypeString, schema.TypeGUID:
		if v.Type() == fastjson.TypeString {
			j.b.SetString(pos, string(v.GetStringBytes()))
		} else {
			j.b.SetString(pos, string(v.MarshalTo(nil)))
		}
	case schema.TypeDynamic:
		if v.Type() == fastjson.TypeString {
			s := string(v.GetStringBytes())
			if t := strings.TrimSpace(s); len(t) > 1 && (t[0] == '{' || t[0] == '[') && fastjson.Validate(t) == nil {
				j.b.SetString(pos, t)
				return nil
			}
		}
		j.b.SetString(pos, string(v.MarshalTo(nil)))
	case schema.TypeInt, schema.TypeLong:
		n, err := frozenInt(v)
		if err != nil {
			return err
		}
		if col.Type == schema.TypeInt && (n > math.MaxInt32 || n < math.MinInt32) {
			return fmt.Errorf("value %d out of range for int", n)
		}
		j.b.SetInt(pos, n)
	case schema.TypeReal, schema.TypeDecimal:
		f, err := frozenFloat(v)
		if err != nil {
			return err
		}
		j.b.SetFloat(pos, f)
	case schema.TypeBool:
		bv, err := frozenBool(v)
		if err != nil {
			return err
		}
		j.b.SetBool(pos, bv)
	case schema.TypeDatetime:
		if v.Type() != fastjson.TypeString {
			return fmt.Errorf("expected a datetime string, got %s", v.Type())
		}
		us, err := normalize.ParseDatetime(string(v.GetStringBytes()))
		if err != nil {
			return err
		}
		j.b.SetInt(pos, us)
	case schema.TypeTimespan:
		us, err := frozenSpan(v)
		if err != nil {
			return err
		}
		j.b.SetInt(pos, us)
	default:
		return fmt.Errorf("column type %s cannot be ingested", col.Type)
	}
	return nil
}

func frozenInt(v *fastjson.Value) (int64, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		if n, err := v.Int64(); err == nil {
			return n, nil
		}
		f, err := v.Float64()
		if err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), nil
		}
		return 0, fmt.Errorf("expected an integer, got %s", frozenClip(v.String()))
	case fastjson.TypeString:
		s := strings.TrimSpace(string(v.GetStringBytes()))
		if n, err := strconv.ParseInt(s, 0, 64); err == nil {
			return n, nil
		}
		if n, err := strconv.ParseUint(s, 0, 64); err == nil && n <= math.MaxInt64 {
			return int64(n), nil
		}
		return 0, fmt.Errorf("expected an integer, got %q", frozenClip(s))
	case fastjson.TypeTrue:
		return 1, nil
	case fastjson.TypeFalse:
		return 0, nil
	}
	return 0, fmt.Errorf("expected an integer, got %s", v.Type())
}

func frozenFloat(v *fastjson.Value) (float64, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		return v.Float64()
	case fastjson.TypeString:
		s := strings.TrimSpace(string(v.GetStringBytes()))
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("expected a number, got %q", frozenClip(s))
		}
		return f, nil
	}
	return 0, fmt.Errorf("expected a number, got %s", v.Type())
}

func frozenBool(v *fastjson.Value) (bool, error) {
	switch v.Type() {
	case fastjson.TypeTrue:
		return true, nil
	case fastjson.TypeFalse:
		return false, nil
	case fastjson.TypeNumber:
		n, err := v.Int64()
		if err == nil && (n == 0 || n == 1) {
			return n == 1, nil
		}
	case fastjson.TypeString:
		switch strings.ToLower(strings.TrimSpace(string(v.GetStringBytes()))) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
	}
	return false, fmt.Errorf("expected a bool, got %s", frozenClip(v.String()))
}

func frozenSpan(v *fastjson.Value) (int64, error) {
	switch v.Type() {
	case fastjson.TypeString:
		return normalize.ParseTimespan(string(v.GetStringBytes()))
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil {
			return 0, err
		}
		return int64(math.Round(f * 1e6)), nil
	}
	return 0, fmt.Errorf("expected a timespan, got %s", v.Type())
}

func frozenClip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
