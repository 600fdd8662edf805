package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func init() {
	register(&command{name: "token", summary: "create, list and revoke API tokens", run: runToken})
}

func runToken(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: vigil token (create|list|revoke) --data DIR [flags]", errUsage)
	}
	sub, args := args[0], args[1:]
	var role, name, id string
	var ttl time.Duration
	var asJSON bool
	cfg, err := parseConfig("token "+sub, "--data DIR [--role admin|analyst|reader|ingest] [--name N]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "role: "+fmt.Sprint(auth.RoleNames()))
		fs.StringVar(&name, "name", "", "a name to recognise the token by")
		fs.DurationVar(&ttl, "ttl", 0, "expiry (0: none)")
		fs.StringVar(&id, "id", "", "token id (revoke)")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, cfg.StatePath())
	if err != nil {
		return err
	}
	defer st.Close()
	tk := &auth.Tokens{Store: st, Roles: &auth.Authorizer{Store: st}}
	trail := audit.New(st, nil, nil, nil)
	record := func(action, target string, after any) error {
		raw, _ := json.Marshal(after)
		_, err := trail.Record(ctx, state.AuditEntry{ActorType: "system", Actor: "vigil token (CLI)", Action: action,
			TargetType: "token", Target: target, After: raw})
		return err
	}
	switch sub {
	case "create":
		if role == "" {
			return fmt.Errorf("%w: --role is required (%v)", errUsage, auth.RoleNames())
		}
		rec, secret, err := tk.Create(ctx, name, role, ttl)
		if err != nil {
			return err
		}
		if err := record("token.create", rec.ID, rec); err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(out).Encode(map[string]any{"token": rec, "secret": secret})
		}
		fmt.Fprintln(out, secret)
		return nil
	case "list":
		toks, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(out).Encode(toks)
		}
		for _, t := range toks {
			status := "active"
			if t.Revoked {
				status = "revoked"
			}
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.Name, t.CreatedAt.Format(time.RFC3339), status)
		}
		return nil
	case "revoke":
		if id == "" {
			return fmt.Errorf("%w: --id is required", errUsage)
		}
		if err := st.RevokeToken(ctx, id); err != nil {
			return err
		}
		return record("token.revoke", id, nil)
	}
	return fmt.Errorf("%w: unknown token command %q (create, list, revoke)", errUsage, sub)
}
