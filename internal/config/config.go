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
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/ingest/source/elastic"
	"github.com/vigilsec/vigil/internal/ingest/source/hec"
	syslogsrc "github.com/vigilsec/vigil/internal/ingest/source/syslog"
	"github.com/vigilsec/vigil/internal/kql/external"
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
	// Memory bounds the Go runtime's memory (the event store's own limit is store.memory_limit).
	Memory Memory `yaml:"memory"`
	// KQL configures the query engine.
	KQL KQL `yaml:"kql"`
	// Analytics configures the scheduled analytics rules.
	Analytics Analytics `yaml:"analytics"`
	// Detection configures stream detection.
	Detection Detection `yaml:"detection"`
	// Incidents configures the correlation of alerts into incidents.
	Incidents Incidents `yaml:"incidents"`
	// Syslog configures the syslog listeners (all off by default: they take unauthenticated input).
	Syslog syslogsrc.Config `yaml:"syslog"`
	// MetricsPublic serves /metrics without a token (off by default).
	MetricsPublic bool `yaml:"metrics_public"`
	// HEC configures the Splunk HTTP Event Collector endpoints (/services/collector).
	HEC hec.Config `yaml:"hec"`
	// Elastic configures the Elasticsearch-compatible endpoints (/_bulk and the probes Beats make).
	Elastic elastic.Config `yaml:"elastic"`
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
	// NRT runs the NRT rules on the stream (a durable consumer of every table).
	NRT bool `yaml:"nrt"`
	// RuleDirs are directories of Sentinel analytics rules (YAML) loaded at every start, like the shipped ones.
	RuleDirs []string `yaml:"rule_dirs"`
}

// Incidents configures the correlator (see docs/incidents.md).
type Incidents struct {
	// SizeCap is the most alerts the correlator puts in one incident.
	SizeCap int `yaml:"size_cap"`
	// Lookback is how far apart in activity time two alerts may be to be grouped (rules may set their own).
	Lookback Duration `yaml:"lookback"`
	// PrevalenceWindow is the window over which an entity's spread (hosts, accounts, incidents) is measured.
	PrevalenceWindow Duration `yaml:"prevalence_window"`
	// SpreadLimit is how many distinct hosts, accounts or incidents an entity may be seen with at full weight.
	SpreadLimit int `yaml:"spread_limit"`
	// Threshold is the total weight of shared entities that joins an alert to an incident.
	Threshold float64 `yaml:"threshold"`
	// Interval is how often the correlator looks for alerts without being woken.
	Interval Duration `yaml:"interval"`
}

// KQL configures the query engine.
type KQL struct {
	// FunctionsDir holds stored functions, one NAME.kql file each, that queries can call.
	FunctionsDir string `yaml:"functions_dir"`
	// ExternalData is the policy under which externaldata may read public lists over HTTPS (by default Microsoft's
	// public security content, external.DefaultPrefixes; allowed_prefixes: [] turns it off).
	ExternalData external.Policy `yaml:"externaldata"`
}

// Detection configures the detection engines.
type Detection struct {
	// SigmaRules are directories of Sigma rules evaluated on the stream, besides the shipped ones.
	SigmaRules []string `yaml:"sigma_rules"`
	// BuiltinRules loads Vigil's shipped rule set (Sigma and analytics rules, embedded in the binary).
	BuiltinRules bool `yaml:"builtin_rules"`
	// CorrelationMaxGroups caps the correlation groups kept over all Sigma correlation rules; at the cap the least
	// recently seen are evicted and counted (0: the default, 100000).
	CorrelationMaxGroups int `yaml:"correlation_max_groups"`
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
	// MaxLag is how many batches may wait for the store writer before requests wait for admission.
	MaxLag uint64 `yaml:"max_lag"`
	// AdmitWait is how long a request waits, in arrival order and before its body is read, for the writer to
	// catch up; then receivers answer 429 with Retry-After. 0 answers 429 at once.
	AdmitWait Duration `yaml:"admit_wait"`
	// AdmitQueue caps the requests waiting for admission at once; more are answered 429 at once.
	AdmitQueue int `yaml:"admit_queue"`
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
	Threads int `yaml:"threads"`
	// MemoryLimit is DuckDB's memory_limit, such as "384MiB" ("": DuckDB's default, 80% of RAM). DuckDB keeps
	// written blocks cached up to it, so without a limit its memory grows with the data written.
	MemoryLimit string `yaml:"memory_limit"`
	// Retention is how long events are kept: Default for every table, Tables per table ("Syslog": 30d).
	Retention Retention `yaml:"retention"`
	// CheckpointRows: the store writer runs a checkpoint itself when a table's rows pass a multiple of it (once at
	// least CheckpointBytes were committed since the last one), or after four times as many rows of all tables (0:
	// only DuckDB's own, when the write-ahead log reaches 512MB, which stalls the writer for seconds).
	CheckpointRows int `yaml:"checkpoint_rows"`
	// CheckpointBytes is the least the writer commits, in batch bytes, between two of its checkpoints at row-group
	// boundaries (0: no floor).
	CheckpointBytes int64 `yaml:"checkpoint_bytes"`
	// WAL keeps DuckDB's write-ahead log. Without it (the default) a commit is durable once the next checkpoint has
	// run, and the writer acknowledges the stream, which holds every batch until then, only after it.
	WAL bool `yaml:"wal"`
	// CheckpointInterval: without the log, the longest a committed batch waits for the checkpoint that makes it
	// durable (0: 5s).
	CheckpointInterval Duration `yaml:"checkpoint_interval"`
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
			MaxLag:       16,
			AdmitWait:    Duration(5 * time.Second),
			AdmitQueue:   256,
		},
		Stream:    Stream{MaxBytes: 4 << 30},
		Auth:      defaultAuth(),
		Limits:    defaultLimits(),
		Analytics: Analytics{Interval: Duration(30 * time.Second), IngestDelay: Duration(2 * time.Minute), NRT: true},
		Detection: Detection{BuiltinRules: true},
		Incidents: Incidents{SizeCap: 150, Lookback: Duration(24 * time.Hour), PrevalenceWindow: Duration(7 * 24 * time.Hour),
			SpreadLimit: 3, Threshold: 1.0, Interval: Duration(5 * time.Second)},
		Store: Store{MemoryLimit: DefaultStoreMemoryLimit, CheckpointRows: DefaultCheckpointRows, CheckpointBytes: DefaultCheckpointBytes, Retention: Retention{
			Default:  Duration(90 * 24 * time.Hour),
			Interval: Duration(time.Hour),
		}},
		Memory: Memory{GoLimit: DefaultGoMemoryLimit},
		KQL:    KQL{ExternalData: external.Policy{AllowedPrefixes: slices.Clone(external.DefaultPrefixes)}},
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
		{"VIGIL_STORE_WAL", "keep DuckDB's write-ahead log (true/false)", func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			c.Store.WAL = b
			return err
		}},
		{"VIGIL_STORE_CHECKPOINT_INTERVAL", "without the log, the longest a commit waits to be made durable", func(c *Config, v string) error {
			d, err := ParseDuration(v)
			c.Store.CheckpointInterval = d
			return err
		}},
		{"VIGIL_GO_MEMORY_LIMIT", "Go runtime soft memory limit (GOMEMLIMIT wins)", str(func(c *Config) *string { return &c.Memory.GoLimit })},
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
		{"VIGIL_BUILTIN_RULES", "load the shipped rule set (true/false)", func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			c.Detection.BuiltinRules = b
			return err
		}},
		{"VIGIL_INCIDENTS_SIZE_CAP", "most alerts per incident", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			c.Incidents.SizeCap = n
			return err
		}},
		{"VIGIL_INCIDENTS_LOOKBACK", "how far apart grouped alerts may be", func(c *Config, v string) error {
			d, err := ParseDuration(v)
			c.Incidents.Lookback = d
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
	fs.BoolVar(&c.Detection.BuiltinRules, "builtin-rules", c.Detection.BuiltinRules, "load the shipped rule set (Sigma and analytics rules)")
	fs.Func("rules", "directory of Sentinel analytics rules loaded at start (repeatable)", func(v string) error {
		c.Analytics.RuleDirs = append(c.Analytics.RuleDirs, v)
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
	if err := c.KQL.ExternalData.Validate(); err != nil {
		errs = append(errs, err.Error())
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
	errs = append(errs, c.validateLatency()...)
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
	if c.Detection.CorrelationMaxGroups < 0 {
		errs = append(errs, "detection.correlation_max_groups: must not be negative")
	}
	if err := c.HEC.Validate(); err != nil {
		errs = append(errs, err.Error())
	}
	if err := c.Elastic.Validate(); err != nil {
		errs = append(errs, err.Error())
	}
	for _, d := range c.Detection.SigmaRules {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Sprintf("detection.sigma_rules: %q is not a directory", d))
		}
	}
	for _, d := range c.Analytics.RuleDirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Sprintf("analytics.rule_dirs: %q is not a directory", d))
		}
	}
	errs = append(errs, c.Incidents.validate()...)
	errs = append(errs, c.validateMemory()...)
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

func (i Incidents) validate() []string {
	var errs []string
	if i.SizeCap < 1 || i.SizeCap > 10_000 {
		errs = append(errs, fmt.Sprintf("incidents.size_cap: %d is not between 1 and 10000", i.SizeCap))
	}
	if i.Lookback < Duration(time.Minute) || i.Lookback > Duration(30*24*time.Hour) {
		errs = append(errs, fmt.Sprintf("incidents.lookback: %s is not between 1m and 30d", i.Lookback))
	}
	if i.PrevalenceWindow < Duration(time.Hour) {
		errs = append(errs, fmt.Sprintf("incidents.prevalence_window: %s is shorter than 1h", i.PrevalenceWindow))
	}
	if i.SpreadLimit < 1 {
		errs = append(errs, "incidents.spread_limit: must be at least 1")
	}
	if i.Threshold <= 0 || i.Threshold > 100 {
		errs = append(errs, fmt.Sprintf("incidents.threshold: %g is not above 0 and at most 100", i.Threshold))
	}
	if i.Interval < Duration(100*time.Millisecond) {
		errs = append(errs, fmt.Sprintf("incidents.interval: %s is shorter than 100ms", i.Interval))
	}
	return errs
}

// TLSEnabled reports whether the server speaks HTTPS.
func (c *Config) TLSEnabled() bool { return c.TLS.CertFile != "" || c.TLS.SelfSigned }

// Paths of the files under the data directory.
func (c *Config) StreamDir() string  { return filepath.Join(c.DataDir, "stream") }
func (c *Config) EventsPath() string { return filepath.Join(c.DataDir, "events.duckdb") }
func (c *Config) StatePath() string  { return filepath.Join(c.DataDir, "state.db") }
