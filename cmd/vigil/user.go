package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/app"
	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/secret"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func init() {
	register(&command{name: "user", summary: "create, list, unlock users and reset their passwords", run: runUser})
	register(&command{name: "secret", summary: "seal a secret for the configuration (such as the OIDC client secret)", run: runSecret})
}

// readPassword takes a password from VIGIL_PASSWORD or the first line of stdin (never from a flag, which other
// users of the machine could read in the process list).
func readPassword(stdin io.Reader) (string, error) {
	if p := os.Getenv("VIGIL_PASSWORD"); p != "" {
		return p, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("%w: give the password in VIGIL_PASSWORD or on standard input", errUsage)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runUser(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: vigil user (create|list|reset-password|unlock) --data DIR [flags]", errUsage)
	}
	sub, args := args[0], args[1:]
	var name, role string
	var asJSON bool
	cfg, err := parseConfig("user "+sub, "--data DIR [--name N] [--role R] (password: VIGIL_PASSWORD or stdin)", args, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "user name")
		fs.StringVar(&role, "role", "", "role (built-in or custom)")
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
	box, _, err := secret.LoadOrCreate(cfg.Auth.SecretKey, cfg.DataDir)
	if err != nil {
		return err
	}
	authz := &auth.Authorizer{Store: st}
	users := &auth.Users{Store: st, Roles: authz, Box: box}
	trail := audit.New(st, nil, nil, nil)
	record := func(action string, u state.User) error {
		after, _ := json.Marshal(u)
		_, err := trail.Record(ctx, state.AuditEntry{ActorType: "system", Actor: "vigil user (CLI)", Action: action,
			TargetType: "user", Target: u.ID, After: after})
		return err
	}
	find := func() (state.User, error) {
		if name == "" {
			return state.User{}, fmt.Errorf("%w: --name is required", errUsage)
		}
		return st.UserByName(ctx, name)
	}
	switch sub {
	case "create":
		if name == "" || role == "" {
			return fmt.Errorf("%w: --name and --role are required", errUsage)
		}
		pw, err := readPassword(os.Stdin)
		if err != nil {
			return err
		}
		u, err := users.Create(ctx, auth.NewUser{Username: name, Password: pw, Role: role})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "created %s (%s) with role %s\n", u.Username, u.ID, u.Role)
		return record("user.create", u)
	case "list":
		list, err := st.Users(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(out).Encode(list)
		}
		for _, u := range list {
			status := "active"
			switch {
			case u.Disabled:
				status = "disabled"
			case u.LockedUntil != nil && time.Now().Before(*u.LockedUntil):
				status = "locked"
			}
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Role, u.Source, status)
		}
		return nil
	case "reset-password":
		u, err := find()
		if err != nil {
			return err
		}
		pw, err := readPassword(os.Stdin)
		if err != nil {
			return err
		}
		if u, err = users.SetPassword(ctx, u.ID, pw); err != nil {
			return err
		}
		fmt.Fprintf(out, "password of %s set; their sessions ended\n", u.Username)
		return record("user.password_reset", u)
	case "unlock":
		u, err := find()
		if err != nil {
			return err
		}
		if u, err = users.Unlock(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s unlocked\n", u.Username)
		return record("user.unlock", u)
	}
	return fmt.Errorf("%w: unknown user command %q (create, list, reset-password, unlock)", errUsage, sub)
}

func runSecret(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "seal" {
		return fmt.Errorf("%w: vigil secret seal --data DIR [--for oidc] < SECRET", errUsage)
	}
	var purpose string
	cfg, err := parseConfig("secret seal", "--data DIR [--for oidc]", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&purpose, "for", "oidc", "what the secret is for: oidc (auth.oidc.client_secret)")
	})
	if err != nil {
		return err
	}
	contexts := map[string]string{"oidc": app.SecretContextOIDC}
	sctx, ok := contexts[purpose]
	if !ok {
		return fmt.Errorf("%w: --for %q: one of oidc", errUsage, purpose)
	}
	box, _, err := secret.LoadOrCreate(cfg.Auth.SecretKey, cfg.DataDir)
	if err != nil {
		return err
	}
	plain, err := readPassword(os.Stdin)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, box.SealString(plain, sctx))
	return nil
}
