package udf_test

import (
	"context"
	"database/sql"
	"testing"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vigilsec/vigil/internal/store/duckdb/udf"
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	c, err := duck.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { _ = db.Close() })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := udf.RegisterAll(ctx, conn); err != nil {
		t.Fatal(err)
	}
	// Keep the registering connection open: the functions must be visible from the pool's other connections.
	t.Cleanup(func() { _ = conn.Close() })
	return db
}

func TestRegisteredFunctionsServeEveryConnection(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	for i, c := range conns {
		var h int64
		if err := c.QueryRowContext(ctx, "SELECT kql_hash('World')").Scan(&h); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		// The value Kusto's documentation gives for hash("World").
		if h != 1846988464401551951 {
			t.Fatalf("connection %d: hash(World) = %d", i, h)
		}
	}
}

func TestHash(t *testing.T) {
	db := open(t)
	for _, tc := range []struct {
		sql  string
		want any
	}{
		{"SELECT kql_hash('World', 100)", int64(51)},
		{"SELECT kql_hash(TIMESTAMP '2015-01-01 00:00:00')", int64(1380966698541616202)},
		{"SELECT kql_hash(CAST(NULL AS VARCHAR))", nil},
		{"SELECT kql_hash('x', 0)", nil},
	} {
		var got any
		if err := db.QueryRow(tc.sql).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got != tc.want {
			t.Errorf("%s = %v, want %v", tc.sql, got, tc.want)
		}
	}
}
