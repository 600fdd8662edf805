package api

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestAssembleOpenAPIMergesFragments(t *testing.T) {
	fsys := fstest.MapFS{
		"openapi/core.json":  {Data: []byte(`{"openapi":"3.1.0","paths":{"/a":{}},"components":{"schemas":{"A":{}}}}`)},
		"openapi/extra.json": {Data: []byte(`{"paths":{"/b":{}},"components":{"schemas":{"B":{}}}}`)},
	}
	b, err := assembleOpenAPI(fsys)
	require.NoError(t, err)
	require.JSONEq(t, `{"openapi":"3.1.0","paths":{"/a":{},"/b":{}},"components":{"schemas":{"A":{},"B":{}}}}`, string(b))

	fsys["openapi/dup.json"] = &fstest.MapFile{Data: []byte(`{"paths":{"/a":{}}}`)}
	_, err = assembleOpenAPI(fsys)
	require.ErrorContains(t, err, `"/a" is defined twice`)

	delete(fsys, "openapi/dup.json")
	fsys["openapi/bad.json"] = &fstest.MapFile{Data: []byte(`{"info":{}}`)}
	_, err = assembleOpenAPI(fsys)
	require.ErrorContains(t, err, `not "info"`)
}
