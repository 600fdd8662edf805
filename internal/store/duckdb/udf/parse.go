package udf

import (
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
)

// String functions with no DuckDB equivalent: parse_path, parse_command_line, base64_decode_toarray and
// indexof_regex, as the Kusto documentation describes them.
func init() {
	Register(Func{Name: "kql_parse_path", Args: []Type{String}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		s, _ := a[0].(string)
		return marshalValue(ParsePath(s))
	}})
	Register(Func{Name: "kql_parse_command_line", Args: []Type{String, String}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		s, _ := a[0].(string)
		kind, _ := a[1].(string)
		if !strings.EqualFold(kind, "windows") {
			return nil, nil
		}
		return marshalValue(ParseWindowsCommandLine(s))
	}})
	Register(Func{Name: "kql_base64_decode_toarray", Args: []Type{String}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		s, _ := a[0].(string)
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, nil
		}
		out := make([]int64, len(b))
		for i, c := range b {
			out[i] = int64(c)
		}
		return marshalValue(out)
	}})
	anyT := Any
	Register(Func{Name: "kql_indexof_regex", Args: []Type{String, String}, Variadic: &anyT, Result: Long,
		Fn: func(a []driver.Value) (any, error) {
			s, _ := a[0].(string)
			pat, _ := a[1].(string)
			opt := a[2:]
			start, length, occurrence := optInt(opt, 0, 0), optInt(opt, 1, -1), optInt(opt, 2, 1)
			i, ok := IndexOfRegex(s, pat, start, length, occurrence)
			if !ok {
				return nil, nil
			}
			return int64(i), nil
		}})
}

func marshalValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// PathParts is the bag parse_path returns; the field order is the documented one.
type PathParts struct {
	Scheme                  string
	RootPath                string
	DirectoryPath           string
	DirectoryName           string
	Filename                string
	Extension               string
	AlternateDataStreamName string
}

var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]+)://`)

// ParsePath splits a file path (Windows, UNC, Unix or a file:// URL) into its parts.
func ParsePath(p string) PathParts {
	var out PathParts
	if m := schemeRE.FindStringSubmatch(p); m != nil {
		out.Scheme = m[1]
		p = p[len(m[0]):]
	}
	if len(p) >= 2 && p[1] == ':' && isLetter(p[0]) {
		out.RootPath = p[:2]
	}
	sep := strings.LastIndexAny(p, `/\`)
	file := p
	if sep >= 0 {
		out.DirectoryPath = p[:sep]
		file = p[sep+1:]
		dir := out.DirectoryPath
		out.DirectoryName = dir[strings.LastIndexAny(dir, `/\`)+1:]
	}
	if i := strings.IndexByte(file, ':'); i >= 0 {
		out.AlternateDataStreamName = file[i+1:]
		file = file[:i]
	}
	out.Filename = file
	if i := strings.LastIndexByte(file, '.'); i >= 0 {
		out.Extension = file[i+1:]
	}
	return out
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// ParseWindowsCommandLine splits a command line into arguments by the rules of the Windows C runtime: white space
// separates arguments outside double quotes; 2n backslashes before a quote are n backslashes and the quote opens or
// closes a quoted part, 2n+1 backslashes before a quote are n backslashes and a literal quote; other backslashes are
// literal; "" inside a quoted part is a literal quote.
func ParseWindowsCommandLine(s string) []string {
	args := []string{}
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(s) && s[i] == '\\' {
				n++
				i++
			}
			if i < len(s) && s[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
				} else {
					quoted = !quoted
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
				i--
			}
			inArg = true
		case c == '"':
			if quoted && i+1 < len(s) && s[i+1] == '"' {
				cur.WriteByte('"')
				i++
			} else {
				quoted = !quoted
			}
			inArg = true
		case (c == ' ' || c == '\t' || c == '\n' || c == '\r') && !quoted:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

var (
	regexMu    sync.Mutex
	regexCache = map[string]*regexp.Regexp{}
)

// compiled returns the compiled regular expression, cached: a query calls it once per row with the same pattern.
func compiled(pat string) (*regexp.Regexp, bool) {
	regexMu.Lock()
	defer regexMu.Unlock()
	if re, ok := regexCache[pat]; ok {
		return re, re != nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		re = nil
	}
	if len(regexCache) > 1000 {
		regexCache = map[string]*regexp.Regexp{}
	}
	regexCache[pat] = re
	return re, re != nil
}

// IndexOfRegex is indexof_regex: the index of the occurrence-th non-overlapping match of pat in s[start:start+length]
// (length -1: to the end), -1 when there is none, and ok false (null) for a negative start or occurrence below 1 or
// an invalid pattern.
func IndexOfRegex(s, pat string, start, length, occurrence int) (int, bool) {
	re, ok := compiled(pat)
	if !ok || start < 0 || occurrence < 1 || length < -1 {
		return 0, false
	}
	if start > len(s) {
		return -1, true
	}
	end := len(s)
	if length >= 0 && start+length < end {
		end = start + length
	}
	ms := re.FindAllStringIndex(s[start:end], occurrence)
	if len(ms) < occurrence {
		return -1, true
	}
	return start + ms[occurrence-1][0], true
}
