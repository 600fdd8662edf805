// Package config is Vigil's configuration: one root Config composed of each component's settings, read from a
// YAML file, then VIGIL_* environment variables, then command-line flags (each overriding the one before), and
// validated before anything starts.
package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	syslogsrc "github.com/vigilsec/vigil/internal/ingest/source/syslog"
)

// Config is the root configuration.
type Config struct {
	// DataDir holds every file Vigil writes: the stream, the event store and the state store.
	DataDir string `yaml:"data_dir"`
	// Listen is the HTTP address.
	Listen string `yaml:"listen"`
	TLS    TLS    `yaml:"tls"`
	Log    Log    `yaml:"log"`
	Ingest Ingest `yaml:"ingest"`
	Stream Stream `yaml:"stream"`
	Store  Store  `yaml:"store"`
	// KQL configures the query engine.
	KQL KQL `yaml:"kql"`
	// Analytics configures the scheduled analytics rules.
	Analytics Analytics `yaml:"analytics"`
	// Detection configures stream detection.
	Detection Detection `yaml:"detection"`
	// Syslog configures the syslog listeners (all off by default: they take unauthenticated input).
	Syslog syslogsrc.Config `yaml:"syslog"`
	// MetricsPublic serves /metrics without a token (off by default).
	MetricsPublic bool `yaml:"metrics_public"`
	// Auth configures users, sessions, single sign-on and secrets at rest; Limits the request rates.
	Auth   Auth   `yaml:"auth"`
	Limits Limits `yaml:"limits"`
}

// Analytics configures the rule scheduler.
type Analytics struct {
	// Interval is how often the scheduler looks for due windows (0: the scheduler is off).
	Interval Duration `yaml:"interval"`
	// IngestDelay is how long after a window's end it is evaluated, so late events are in.
	IngestDelay Duration `yaml:"ingest_delay"`
}

// KQL configures the query engine.
type KQL struct {
	// FunctionsDir holds stored functions, one NAME.kql file each, that queries can call.
	FunctionsDir string `yaml:"functions_dir"`
}

// Detection configures the detection engines.
type Detection struct {
	// SigmaRules are directories of Sigma rules evaluated on the stream (none: stream detection is off).
	SigmaRules []string `yaml:"sigma_rules"`
}

// TLS configures HTTPS. With both files set the server speaks only TLS.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// SelfSigned, without files, makes the server speak HTTPS with a certificate it generates on the first start
	// and keeps in the data directory (tls/cert.pem, tls/key.pem).
	SelfSigned bool `yaml:"self_signed"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Ingest limits the receivers.
type Ingest struct {
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	MaxLineBytes int   `yaml:"max_line_bytes"`
	BatchRows    int   `yaml:"batch_rows"`
	// MaxLag is how many batches may wait for the store writer before receivers answer 429.
	MaxLag uint64 `yaml:"max_lag"`
}

// Stream configures the event stream.
type Stream struct {
	// URL of an external NATS cluster; empty runs the embedded server.
	URL        string `yaml:"url"`
	MaxBytes   int64  `yaml:"max_bytes"`
	SyncAlways bool   `yaml:"sync_always"`
}

// Store configures the event store.
type Store struct {
	Threads     int    `yaml:"threads"`
	MemoryLimit string `yaml:"memory_limit"`
	// Retention is how long events are kept: Default for every table, Tables per table ("Syslog": 30d).
	Retention Retention `yaml:"retention"`
}

// Retention is a per-table age limit.
type Retention struct {
	Default  Duration            `yaml:"default"`
	Tables   map[string]Duration `yaml:"tables"`
	Interval Duration            `yaml:"interval"`
}

// For returns the retention of table (0: keep forever).
func (r Retention) For(table string) time.Duration {
	if d, ok := r.Tables[table]; ok {
		return time.Duration(d)
	}
	return time.Duration(r.Default)
}

// Duration is a time.Duration that YAML, flags and the environment write as "90d", "12h" or "30m".
type Duration time.Duration

// ParseDuration parses a Go duration, with "d" for days also accepted ("90d", "1d12h").
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	var days int64
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		days, s = n, s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		var err error
		if rest, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
	}
	return Duration(time.Duration(days)*24*time.Hour + rest), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// String renders the duration.
func (d Duration) String() string {
	dd := time.Duration(d)
	if dd != 0 && dd%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", dd/(24*time.Hour))
	}
	return dd.String()
}

// Set implements flag.Value.
func (d *Duration) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		DataDir: "./vigil-data",
		Listen:  "127.0.0.1:8080",
		Log:     Log{Level: "info", Format: "text"},
		Ingest: Ingest{
			MaxBodyBytes: 256 << 20,
			MaxLineBytes: 1 << 20,
			BatchRows:    4096,
			MaxLag:       32,
		},
		Stream:    Stream{MaxBytes: 4 << 30},
		Auth:      defaultAuth(),
		Limits:    defaultLimits(),
		Analytics: Analytics{Interval: Duration(30 * time.Second), IngestDelay: Duration(2 * time.Minute)},
		Store: Store{Retention: Retention{
			Default:  Duration(90 * 24 * time.Hour),
			Interval: Duration(time.Hour),
		}},
	}
}

// Load reads the YAML file at path (if not empty) over the defaults, then applies the environment. Unknown keys
// in the file are errors.
func Load(path string, env func(string) string) (Config, error) {
	cfg := Default()
	if path != "" {
		body, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(body))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) { // an empty file sets nothing
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := cfg.ApplyEnv(env); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// envVar binds one environment variable to a setting.
type envVar struct {
	name string
	help string
	set  func(c *Config, v string) error
}

func envVars() []envVar {
	str := func(f func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *f(c) = v; return nil }
	}
	return []envVar{
		{"VIGIL_DATA_DIR", "data directory", str(func(c *Config) *string { return &c.DataDir })},
		{"VIGIL_LISTEN", "HTTP listen address", str(func(c *Config) *string { return &c.Listen })},
		{"VIGIL_TLS_CERT_FILE", "TLS certificate file", str(func(c *Config) *string { return &c.TLS.CertFile })},
		{"VIGIL_TLS_KEY_FILE", "TLS private key file", str(func(c *Config) *string { return &c.TLS.KeyFile })},
		{"VIGIL_LOG_LEVEL", "log level", str(func(c *Config) *string { return &c.Log.Level })},
		{"VIGIL_LOG_FORMAT", "log format", str(func(c *Config) *string { return &c.Log.Format })},
		{"VIGIL_STREAM_URL", "external NATS URL", str(func(c *Config) *string { return &c.Stream.URL })},
		{"VIGIL_SYSLOG_UDP", "syslog UDP listen address", str(func(c *Config) *string { return &c.Syslog.UDP })},
		{"VIGIL_SYSLOG_TCP", "syslog TCP listen address", str(func(c *Config) *string { return &c.Syslog.TCP })},
		{"VIGIL_STORE_MEMORY_LIMIT", "DuckDB memory limit", str(func(c *Config) *string { return &c.Store.MemoryLimit })},
		{"VIGIL_RETENTION", "default retention", func(c *Config, v string) error {
			d, err := ParseDuration(v)
			c.Store.Retention.Default = d
			return err
		}},
		{"VIGIL_INGEST_MAX_BODY_BYTES", "largest ingest request body", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			c.Ingest.MaxBodyBytes = n
			return err
		}},
		{"VIGIL_METRICS_PUBLIC", "serve /metrics without a token", func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			c.MetricsPublic = b
			return err
		}},
		{"VIGIL_TLS_SELF_SIGNED", "HTTPS with a generated self-signed certificate", func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			c.TLS.SelfSigned = b
			return err
		}},
		{"VIGIL_SECRET_KEY", "key sealing secrets at rest (32 bytes, base64 or hex)", str(func(c *Config) *string { return &c.Auth.SecretKey })},
		{"VIGIL_OIDC_ISSUER", "OpenID Connect issuer URL (single sign-on)", str(func(c *Config) *string { return &c.Auth.OIDC.Issuer })},
		{"VIGIL_OIDC_CLIENT_ID", "OpenID Connect client id", str(func(c *Config) *string { return &c.Auth.OIDC.ClientID })},
		{"VIGIL_OIDC_CLIENT_SECRET", "OpenID Connect client secret (plain or sealed)", str(func(c *Config) *string { return &c.Auth.OIDC.ClientSecret })},
	}
}

// ApplyEnv applies the VIGIL_* variables that env returns non-empty.
func (c *Config) ApplyEnv(env func(string) string) error {
	if env == nil {
		env = os.Getenv
	}
	for _, e := range envVars() {
		if v := env(e.name); v != "" {
			if err := e.set(c, v); err != nil {
				return fmt.Errorf("%s=%q: %w", e.name, v, err)
			}
		}
	}
	return nil
}

// EnvHelp lists the environment variables, for --help output.
func EnvHelp() string {
	var b strings.Builder
	for _, e := range envVars() {
		fmt.Fprintf(&b, "  %-28s %s\n", e.name, e.help)
	}
	return b.String()
}

// RegisterFlags binds the common settings to fs; flags set on the command line override file and environment.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data directory")
	fs.StringVar(&c.Listen, "listen", c.Listen, "HTTP listen address")
	fs.StringVar(&c.TLS.CertFile, "tls-cert", c.TLS.CertFile, "TLS certificate file (PEM)")
	fs.StringVar(&c.TLS.KeyFile, "tls-key", c.TLS.KeyFile, "TLS private key file (PEM)")
	fs.BoolVar(&c.TLS.SelfSigned, "tls-self-signed", c.TLS.SelfSigned, "HTTPS with a self-signed certificate generated in the data directory")
	fs.StringVar(&c.Log.Level, "log-level", c.Log.Level, "log level: debug, info, warn, error")
	fs.StringVar(&c.Log.Format, "log-format", c.Log.Format, "log format: text or json")
	fs.StringVar(&c.Stream.URL, "stream-url", c.Stream.URL, "external NATS URL (empty: embedded)")
	fs.Var(&c.Store.Retention.Default, "retention", "default event retention, such as 90d (0: forever)")
	fs.Func("sigma-rules", "directory of Sigma rules to run on the stream (repeatable)", func(v string) error {
		c.Detection.SigmaRules = append(c.Detection.SigmaRules, v)
		return nil
	})
	fs.StringVar(&c.Syslog.UDP, "syslog-udp", c.Syslog.UDP, "syslog UDP listen address, such as :514 (empty: off)")
	fs.StringVar(&c.Syslog.TCP, "syslog-tcp", c.Syslog.TCP, "syslog TCP listen address, such as :514 (empty: off)")
	fs.StringVar(&c.Syslog.TLS, "syslog-tls", c.Syslog.TLS, "syslog TLS listen address, such as :6514 (empty: off; needs syslog.cert_file/key_file)")
}

// Validate reports every problem with the configuration at once.
func (c *Config) Validate() error {
	var errs []string
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, "data_dir: must be set")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Sprintf("listen: %q is not host:port", c.Listen))
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, "tls: cert_file and key_file must be set together")
	}
	for _, f := range []string{c.TLS.CertFile, c.TLS.KeyFile} {
		if f != "" {
			if _, err := os.Stat(f); err != nil {
				errs = append(errs, fmt.Sprintf("tls: %v", err))
			}
		}
	}
	errs = append(errs, c.Auth.validate()...)
	errs = append(errs, c.Limits.validate()...)
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Sprintf("log.level: %q is not one of debug, info, warn, error", c.Log.Level))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		errs = append(errs, fmt.Sprintf("log.format: %q is not text or json", c.Log.Format))
	}
	if c.Ingest.MaxBodyBytes <= 0 {
		errs = append(errs, "ingest.max_body_bytes: must be positive")
	}
	if c.Ingest.MaxLineBytes <= 0 || int64(c.Ingest.MaxLineBytes) > c.Ingest.MaxBodyBytes {
		errs = append(errs, "ingest.max_line_bytes: must be positive and at most max_body_bytes")
	}
	if c.Ingest.BatchRows <= 0 || c.Ingest.BatchRows > 100_000 {
		errs = append(errs, "ingest.batch_rows: must be between 1 and 100000")
	}
	for name, addr := range map[string]string{"syslog.udp": c.Syslog.UDP, "syslog.tcp": c.Syslog.TCP, "syslog.tls": c.Syslog.TLS} {
		if addr != "" {
			if _, _, err := net.SplitHostPort(addr); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not host:port", name, addr))
			}
		}
	}
	if c.Syslog.TLS != "" && (c.Syslog.CertFile == "" || c.Syslog.KeyFile == "") {
		errs = append(errs, "syslog.tls: needs syslog.cert_file and syslog.key_file")
	}
	for _, d := range c.Detection.SigmaRules {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Sprintf("detection.sigma_rules: %q is not a directory", d))
		}
	}
	if c.Stream.MaxBytes < 64<<20 {
		errs = append(errs, "stream.max_bytes: must be at least 64 MiB")
	}
	if c.Store.Retention.Default < 0 {
		errs = append(errs, "store.retention.default: must not be negative")
	}
	names := make([]string, 0, len(c.Store.Retention.Tables))
	for n := range c.Store.Retention.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if c.Store.Retention.Tables[n] < 0 {
			errs = append(errs, fmt.Sprintf("store.retention.tables.%s: must not be negative", n))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// TLSEnabled reports whether the server speaks HTTPS.
func (c *Config) TLSEnabled() bool { return c.TLS.CertFile != "" || c.TLS.SelfSigned }

// Paths of the files under the data directory.
func (c *Config) StreamDir() string  { return filepath.Join(c.DataDir, "stream") }
func (c *Config) EventsPath() string { return filepath.Join(c.DataDir, "events.duckdb") }
func (c *Config) StatePath() string  { return filepath.Join(c.DataDir, "state.db") }
