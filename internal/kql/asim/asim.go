// Package asim holds Vigil's own parsers for the Advanced Security Information Model (ASIM): built-in stored KQL
// functions that map Vigil's tables onto the documented ASIM schemas (Authentication, Dns, NetworkSession,
// WebSession, ProcessEvent, FileEvent, RegistryEvent, AuditEvent), under the names public content calls them by
// (imDns, _Im_Dns, ASimDns, _ASim_Dns, ...), with the documented filtering parameters and defaults.
//
// Each parser is one NAME.kql file in this directory: leading // comment lines, then a function literal whose
// parameters all have defaults, so the function is called both as a table (imFileEvent) and with named arguments
// (_Im_Dns(starttime=ago(1d), domain_has_any=dynamic(["x.com"]))). Every branch projects the ASIM columns its source
// fills; an empty datatable carries the whole schema, so every documented column exists with its type and a column a
// source cannot fill is null (or empty for strings). The KQL is ours, written from the public schema documentation.
package asim

import (
	"embed"
	"fmt"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/kql"
)

//go:embed *.kql
var files embed.FS

// aliases names every function a parser file is registered as: the built-in unifying name (_Im_X), the workspace
// name (imX), and the parameterless ASim names, which take the same (all-default) parameters.
var aliases = map[string][]string{
	"Authentication": {"_Im_Authentication", "imAuthentication", "_ASim_Authentication", "ASimAuthentication"},
	"Dns":            {"_Im_Dns", "imDns", "_ASim_Dns", "ASimDns"},
	"NetworkSession": {"_Im_NetworkSession", "imNetworkSession", "_ASim_NetworkSession", "ASimNetworkSession"},
	"WebSession":     {"_Im_WebSession", "imWebSession", "_ASim_WebSession", "ASimWebSession"},
	"ProcessEvent": {"_Im_ProcessEvent", "imProcessEvent", "_ASim_ProcessEvent", "ASimProcessEvent",
		"imProcess", "ASimProcess"},
	"ProcessCreate": {"_Im_ProcessCreate", "imProcessCreate", "_ASim_ProcessCreate", "ASimProcessCreate",
		"_Im_ProcessEventCreate", "ASimProcessEventCreate"},
	"ProcessTerminate": {"_Im_ProcessTerminate", "imProcessTerminate", "_ASim_ProcessTerminate",
		"ASimProcessTerminate", "ASimProcessEventTerminate"},
	"FileEvent":     {"_Im_FileEvent", "imFileEvent", "_ASim_FileEvent", "ASimFileEvent"},
	"RegistryEvent": {"_Im_RegistryEvent", "imRegistry", "imRegistryEvent", "_ASim_RegistryEvent", "ASimRegistryEvent", "ASimRegistry"},
	"AuditEvent":    {"_Im_AuditEvent", "imAuditEvent", "_ASim_AuditEvent", "ASimAuditEvent"},
}

// Parser is one built-in parser: the schema it produces, the names it answers to and its KQL.
type Parser struct {
	Schema string
	Names  []string
	Body   string
}

// Parsers returns the built-in parsers, by schema name.
func Parsers() ([]Parser, error) {
	var out []Parser
	for schema, names := range aliases {
		raw, err := files.ReadFile(schema + ".kql")
		if err != nil {
			return nil, fmt.Errorf("asim parser %s: %w", schema, err)
		}
		out = append(out, Parser{Schema: schema, Names: names, Body: stripComments(string(raw))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Schema < out[j].Schema })
	return out, nil
}

// Register adds every built-in parser to fns under each of its names, as built-in functions (a user's function of
// the same name hides it).
func Register(fns *kql.Functions) error {
	ps, err := Parsers()
	if err != nil {
		return err
	}
	for _, p := range ps {
		for _, n := range p.Names {
			if err := fns.AddBuiltin(n, p.Body); err != nil {
				return fmt.Errorf("asim parser %s: %w", p.Schema, err)
			}
		}
	}
	return nil
}

// stripComments drops the leading comment lines of a parser file (its documentation), so the body starts with the
// function literal.
func stripComments(s string) string {
	lines := strings.Split(s, "\n")
	i := 0
	for i < len(lines) {
		l := strings.TrimSpace(lines[i])
		if l != "" && !strings.HasPrefix(l, "//") {
			break
		}
		i++
	}
	return strings.Join(lines[i:], "\n")
}

// ParameterLets returns, for the name of an ASIM parser (vimDnsCisco, ASimProcessCreateMicrosoftSysmon,
// _Im_WebSession, ...), one line of "let" statements binding the documented parameters of its schema to their
// defaults: the filtering parameters of Vigil's parser of that schema, and disabled and pack, which every ASIM
// parser takes. It returns "" for other names. [kql.WithParserParams] uses it to check the bodies of
// Microsoft's parser records as the function called with its defaults.
func ParameterLets(functionName string) string {
	rest := strings.TrimLeft(functionName, "_")
	found := false
	for _, p := range []string{"ASim_", "ASim", "Im_", "vim", "im"} {
		if r, ok := strings.CutPrefix(rest, p); ok {
			rest, found = r, true
			break
		}
	}
	if !found {
		return ""
	}
	schema := ""
	for s := range aliases {
		if strings.HasPrefix(rest, s) && len(s) > len(schema) {
			schema = s
		}
	}
	if schema == "" {
		// Registry parsers are named vimRegistry..., the schema RegistryEvent; a process parser vimProcess...
		for _, alt := range [][2]string{{"Registry", "RegistryEvent"}, {"Process", "ProcessEvent"}} {
			if strings.HasPrefix(rest, alt[0]) {
				schema = alt[1]
			}
		}
	}
	var b strings.Builder
	if s, ok := paramSchema[schema]; ok {
		schema = s
	}
	if schema != "" {
		raw, err := files.ReadFile(schema + ".kql")
		if err == nil {
			for _, p := range splitParams(stripComments(string(raw))) {
				name, def, ok := strings.Cut(p, "=")
				name, _, _ = strings.Cut(name, ":")
				if !ok || strings.TrimSpace(name) == "" {
					continue
				}
				b.WriteString("let " + strings.TrimSpace(name) + " = " + strings.TrimSpace(def) + "; ")
			}
		}
	}
	b.WriteString(extraParams[schema])
	b.WriteString("let disabled = false; let pack = false; ")
	return b.String()
}

// paramSchema maps the parsers whose names are Vigil parsers of one event type (vimProcessCreate...,
// vimProcessTerminate...) to the schema whose documented filtering parameters they take: the process event schema
// documents one parameter list, eventtype included, for the im and vim parsers of both event types.
var paramSchema = map[string]string{"ProcessCreate": "ProcessEvent", "ProcessTerminate": "ProcessEvent"}

// extraParams binds, per schema, the documented filtering parameters Vigil's parser of that schema does not take.
// The process event schema documents actorusername_has beside targetusername_has; the parser reference of the
// schema's 0.1.0 parsers (imProcessCreate, imProcessTerminate and their vim* source parsers, which public content
// still holds) lists targetusername and actorusername (string, '*') and dvcname_has_any (dynamic, []) instead.
var extraParams = map[string]string{"ProcessEvent": "let actorusername_has = '*'; let targetusername = '*'; " +
	"let actorusername = '*'; let dvcname_has_any = dynamic([]); "}

// splitParams returns the parameters of the function literal body starts with, split at its top-level commas.
func splitParams(body string) []string {
	body = strings.TrimSpace(body)
	if !strings.HasPrefix(body, "(") {
		return nil
	}
	var out []string
	depth, start := 0, 1
	var quote byte
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
			if depth == 0 {
				if p := strings.TrimSpace(body[start:i]); p != "" {
					out = append(out, p)
				}
				return out
			}
		case c == ',' && depth == 1:
			out = append(out, strings.TrimSpace(body[start:i]))
			start = i + 1
		}
	}
	return nil
}
