package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/state"
)

// BenchmarkVerifyPassword is the cost of one password check (argon2id, 19 MiB, 2 passes): what a sign-in attempt
// costs the server, and what the sign-in rate limits bound.
func BenchmarkVerifyPassword(b *testing.B) {
	h, err := auth.HashPassword("tulip-orbit-canvas-42")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !auth.VerifyPassword(h, "tulip-orbit-canvas-42") {
			b.Fatal("no match")
		}
	}
}

// BenchmarkSessionVerify is the per-request cost of a session cookie: parse, hash, one SQLite lookup.
func BenchmarkSessionVerify(b *testing.B) {
	st := openStore(b)
	ctx := context.Background()
	now := time.Now()
	u := state.User{ID: "usr_1", Username: "b", Role: "reader", Source: "local", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	ss := &auth.Sessions{Store: st}
	value, _, err := ss.Create(ctx, u, "", "", "password")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ss.Verify(ctx, value); err != nil {
			b.Fatal(err)
		}
	}
}
