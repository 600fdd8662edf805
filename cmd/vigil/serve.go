package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/app"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/state"
)

func init() {
	register(&command{name: "serve", summary: "run the server (embedded NATS, DuckDB, SQLite)", run: runServe})
}

// configArg finds --config in args without parsing the rest, so the file can be loaded before the flags that
// override it are bound.
func configArg(args []string) string {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == "config" && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "config="); ok {
			return v
		}
	}
	return os.Getenv("VIGIL_CONFIG")
}

// parseConfig loads the configuration in order file → environment → flags. extra registers the command's own
// flags on the same set. Positional arguments are refused; commands that take them use parseConfigArgs.
func parseConfig(name, synopsis string, args []string, extra func(*flag.FlagSet)) (config.Config, error) {
	cfg, rest, err := parseConfigArgs(name, synopsis, args, extra)
	if err == nil && len(rest) > 0 {
		return cfg, fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	return cfg, err
}

// parseConfigArgs is parseConfig for commands with positional arguments, which it returns. Flags may come before
// or after them.
func parseConfigArgs(name, synopsis string, args []string, extra func(*flag.FlagSet)) (config.Config, []string, error) {
	path := configArg(args)
	cfg, err := config.Load(path, os.Getenv)
	if err != nil {
		return cfg, nil, err
	}
	fs := flagSet(name, synopsis)
	fs.String("config", path, "YAML configuration file (env VIGIL_CONFIG)")
	cfg.RegisterFlags(fs)
	if extra != nil {
		extra(fs)
	}
	prev := fs.Usage
	fs.Usage = func() {
		prev()
		fmt.Fprintf(fs.Output(), "\nEnvironment (overridden by flags):\n%s", config.EnvHelp())
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return cfg, nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return cfg, rest, cfg.Validate()
}

func runServe(ctx context.Context, args []string, out io.Writer) error {
	var demoFlag bool
	var drain time.Duration
	cfg, err := parseConfig("serve", "[--config FILE] [--data DIR] [--listen ADDR] [--demo]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&demoFlag, "demo", false, "load the demo environment (7 days ending now, one attack) if the data directory has none yet")
		fs.DurationVar(&drain, "drain", 30*time.Second, "on shutdown, how long the writer may take to commit what the stream holds")
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log.Level, cfg.Log.Format, os.Stderr)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if err := a.Start(ctx, true); err != nil {
		_ = a.Close(0)
		return err
	}
	if err := bootstrapAdmin(ctx, a, out); err != nil {
		log.Error("bootstrap token", "err", err)
	}
	if err := bootstrapAdminUser(ctx, a, os.Stderr); err != nil {
		if ctx.Err() == nil {
			_ = a.Close(drain)
			return fmt.Errorf("VIGIL_ADMIN_PASSWORD: %w", err)
		}
		// Asked to stop while the first admin was being created: stop as usual; the next start creates it.
		log.Info("stopping before the first admin user was created", "err", err)
	}
	if demoFlag {
		if err := loadDemo(ctx, a, out); err != nil {
			log.Error("demo load failed", "err", err)
		}
	}
	<-ctx.Done()
	log.Info("shutting down; committing what the stream holds")
	if err := a.Close(drain); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// bootstrapAdmin creates the first admin token when there is none, prints it once, and keeps a copy readable only
// by the owner in the data directory (remove it once stored elsewhere).
func bootstrapAdmin(ctx context.Context, a *app.App, out io.Writer) error {
	toks, err := a.State.Tokens(ctx)
	if err != nil || len(toks) > 0 {
		return err
	}
	rec, secret, err := a.Tokens.Create(ctx, "bootstrap-admin", "admin", 0)
	if err != nil {
		return err
	}
	after, _ := json.Marshal(rec)
	if _, err := a.Audit.Record(ctx, state.AuditEntry{ActorType: "system", Actor: "vigil", Action: "token.bootstrap",
		TargetType: "token", Target: rec.ID, After: after}); err != nil {
		return err
	}
	path := filepath.Join(a.Config.DataDir, "initial-admin-token")
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nFirst start: an admin API token was created. It is shown only here and kept in %s (mode 0600):\n\n  %s\n\n"+
		"Use it as: curl -H 'Authorization: Bearer %s' http://%s/api/v1/schema\n\n", path, secret, secret, a.Addr())
	return nil
}

// bootstrapAdminUser creates the first admin user when there is none: with the password in VIGIL_ADMIN_PASSWORD
// (which must meet the password policy), or with a generated one printed once to stderr, never to the log.
func bootstrapAdminUser(ctx context.Context, a *app.App, stderr io.Writer) error {
	created, generated, err := a.BootstrapAdmin(ctx, os.Getenv("VIGIL_ADMIN_PASSWORD"))
	if err != nil || !created {
		return err
	}
	if generated == "" {
		fmt.Fprintf(stderr, "\nFirst start: the admin user %q was created with the password from VIGIL_ADMIN_PASSWORD.\n\n", a.Config.Auth.AdminUser)
		return nil
	}
	fmt.Fprintf(stderr, "\nFirst start: the admin user %q was created. Its password is shown only here; change it after signing in:\n\n  %s\n\n",
		a.Config.Auth.AdminUser, generated)
	return nil
}
