package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
)

// The OpenAPI document is kept in fragments, one per area of the API: openapi/core.json holds the document's head
// (info, security schemes, shared parameters and responses) and the core routes; every other fragment adds paths
// and components. A path or component defined twice is a build error caught at start and by the tests.
//
//go:embed openapi/*.json
var openAPIFiles embed.FS

var openAPI = mustAssembleOpenAPI(openAPIFiles)

// OpenAPI returns the OpenAPI document.
func OpenAPI() []byte { return openAPI }

func mustAssembleOpenAPI(fsys fs.FS) []byte {
	b, err := assembleOpenAPI(fsys)
	if err != nil {
		panic(err)
	}
	return b
}

func assembleOpenAPI(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	for _, name := range names {
		if name == "openapi/core.json" {
			if doc, err = readJSONObject(fsys, name); err != nil {
				return nil, err
			}
		}
	}
	if doc == nil {
		return nil, fmt.Errorf("openapi: core.json missing")
	}
	for _, name := range names {
		if name == "openapi/core.json" {
			continue
		}
		frag, err := readJSONObject(fsys, name)
		if err != nil {
			return nil, err
		}
		for key, v := range frag {
			switch key {
			case "paths":
				if err := mergeObject(doc, "paths", v, name); err != nil {
					return nil, err
				}
			case "components":
				comps, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s: components is not an object", name)
				}
				dst, _ := doc["components"].(map[string]any)
				if dst == nil {
					dst = map[string]any{}
					doc["components"] = dst
				}
				for section, sv := range comps {
					if err := mergeObject(dst, section, sv, name+": components"); err != nil {
						return nil, err
					}
				}
			case "tags":
				tags, _ := doc["tags"].([]any)
				more, _ := v.([]any)
				doc["tags"] = append(tags, more...)
			default:
				return nil, fmt.Errorf("%s: a fragment may hold only paths, components and tags, not %q", name, key)
			}
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

func readJSONObject(fsys fs.FS, name string) (map[string]any, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// mergeObject adds the members of src (an object) to dst[key], refusing a member that is already there.
func mergeObject(dst map[string]any, key string, src any, where string) error {
	s, ok := src.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: %s is not an object", where, key)
	}
	d, _ := dst[key].(map[string]any)
	if d == nil {
		d = map[string]any{}
		dst[key] = d
	}
	for k, v := range s {
		if _, dup := d[k]; dup {
			return fmt.Errorf("%s: %s %q is defined twice", where, key, k)
		}
		d[k] = v
	}
	return nil
}
