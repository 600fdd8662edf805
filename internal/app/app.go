// Package app assembles a Vigil server from its parts — stream, event store, state store, pipeline, API — starts
// them in dependency order and stops them in reverse, flushing everything acknowledged.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/api"
	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/detect"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/incident"
	"github.com/vigilsec/vigil/internal/ingest/source/elastic"
	"github.com/vigilsec/vigil/internal/ingest/source/hec"
	"github.com/vigilsec/vigil/internal/ingest/source/otlp"
	syslogsrc "github.com/vigilsec/vigil/internal/ingest/source/syslog"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/external"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/ruleset"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/secret"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/rule"
	"github.com/vigilsec/vigil/internal/sso"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
	"github.com/vigilsec/vigil/internal/store/duckdb"
	"github.com/vigilsec/vigil/internal/stream"
)

// App is a running Vigil server.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Catalog  *schema.Catalog
	Stream   *stream.Stream
	Events   *duckdb.DB
	State    *sqlite.DB
	Tokens   *auth.Tokens
	Receiver *pipeline.Receiver
	Writer   *pipeline.Writer
	Stats    *pipeline.Stats
	Metrics  *pipeline.Metrics
	API      *api.Server
	Registry *prometheus.Registry
	Syslog   *syslogsrc.Server
	Hunt     *hunt.Service
	Detector *detect.Detector
	Rules    *analytics.Scheduler
	// NRT evaluates the NRT rules on the stream (nil when analytics.nrt is off).
	NRT *analytics.NRT
	// RuleService manages the analytics rules for the API.
	RuleService *analytics.Service
	// Correlator groups alerts into incidents; Incidents serves the analysts' changes; IncidentRows writes every
	// incident change to the SecurityIncident table.
	Correlator   *incident.Correlator
	Incidents    *incident.Service
	IncidentRows *incident.Publisher

	// Identity and access (see identity.go).
	Secrets  *secret.Box
	Authz    *auth.Authorizer
	Users    *auth.Users
	Sessions *auth.Sessions
	Audit    *audit.Log
	SSO      *sso.Provider

	cancel   context.CancelFunc
	wg       sync.WaitGroup
	writerUp atomic.Bool
	listener net.Listener
	httpSrv  *http.Server
}

// New opens every part. Call Start to run it and Close to stop it.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (a *App, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a = &App{Config: cfg, Log: log, Catalog: schema.NewCatalog(), Registry: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			a.closeStores()
		}
	}()
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Metrics = pipeline.NewMetrics(a.Registry)
	applyGoMemoryLimit(cfg, log)

	if a.State, err = sqlite.Open(ctx, cfg.StatePath()); err != nil {
		return nil, fmt.Errorf("state store: %w", err)
	}
	custom, err := a.State.CustomTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("load custom tables: %w", err)
	}
	for name, cols := range custom {
		if _, err := a.Catalog.AddCustom(name, cols); err != nil {
			return nil, fmt.Errorf("custom table %s: %w", name, err)
		}
	}
	if err := a.Catalog.AddIngestTables(); err != nil {
		return nil, err
	}
	if a.Events, err = duckdb.Open(ctx, cfg.EventsPath(), storeOptions(cfg)); err != nil {
		return nil, fmt.Errorf("event store: %w", err)
	}
	for _, t := range a.Catalog.Tables() {
		if err := a.Events.EnsureTable(ctx, t); err != nil {
			return nil, err
		}
	}
	if a.Stream, err = stream.Open(ctx, stream.Config{URL: cfg.Stream.URL, Dir: cfg.StreamDir(), MaxBytes: cfg.Stream.MaxBytes, SyncAlways: cfg.Stream.SyncAlways}, log); err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	a.Stats = pipeline.NewStats(a.State, log)
	a.Receiver = pipeline.NewReceiver(pipeline.ReceiverConfig{
		MaxLineBytes: cfg.Ingest.MaxLineBytes, BatchRows: cfg.Ingest.BatchRows, MaxLag: cfg.Ingest.MaxLag,
		AdmitWait: time.Duration(cfg.Ingest.AdmitWait), AdmitQueue: cfg.Ingest.AdmitQueue,
	}, a.Catalog, a.Stream, a.State, a.Stats, a.Metrics, log)
	a.Writer = pipeline.NewWriter(a.Stream, a.Events, a.Catalog, a.Stats, a.Metrics, log)
	a.Writer.Admission, a.Writer.CheckpointRows = a.Receiver.Admission(), cfg.Store.CheckpointRows
	a.Writer.CheckpointBytes = cfg.Store.CheckpointBytes
	a.Writer.CheckpointInterval = time.Duration(cfg.Store.CheckpointInterval)
	if err := a.newIncidents(cfg, log); err != nil {
		return nil, err
	}
	alerts := incident.NotifyingAlerts{Alerts: a.State, Notify: a.Correlator.Notify}
	if cfg.Detection.BuiltinRules || len(cfg.Detection.SigmaRules) > 0 {
		fieldCheck, err := detect.FieldCheck()
		if err != nil {
			return nil, err
		}
		opts := []sigma.Option{fieldCheck}
		if n := cfg.Detection.CorrelationMaxGroups; n > 0 {
			opts = append(opts, engine.WithMaxGroups(n))
		}
		eng, issues, err := ruleset.Sigma(cfg.Detection.BuiltinRules, cfg.Detection.SigmaRules, opts...)
		if err != nil {
			return nil, fmt.Errorf("sigma rules: %w", err)
		}
		refused := map[string]int{}
		for _, is := range issues {
			refused[string(is.Code)]++
			if is.Code == rule.CodeFieldUnmapped {
				log.Warn("sigma rule refused", "issue", is.Error())
			}
		}
		log.Info("sigma rules loaded", "builtin", cfg.Detection.BuiltinRules, "dirs", cfg.Detection.SigmaRules,
			"rules", eng.Stats().Rules, "correlations", eng.Stats().Correlations, "issues", len(issues), "by_code", refused)
		if a.Detector, err = detect.New(eng, a.Catalog, notifyingSigma{a.State, a.Correlator.Notify}, a.Receiver, a.Stream, a.Registry, log); err != nil {
			return nil, err
		}
	}
	if err := external.Configure(cfg.KQL.ExternalData); err != nil {
		return nil, err
	}
	a.Hunt = hunt.New(hunt.Config{}, a.Catalog, a.Events)
	// Built-in functions (the ASIM parsers), then the functions_dir files, then those stored through the API.
	n, errs := hunt.LoadFunctions(ctx, a.Hunt.Functions(), cfg.KQL.FunctionsDir, a.State)
	for _, e := range errs {
		log.Warn("stored function refused", "err", e)
	}
	log.Info("stored functions loaded", "dir", cfg.KQL.FunctionsDir, "functions", n)
	kcat := kql.WithFunctions(a.Catalog, a.Hunt.Functions())
	a.Rules = &analytics.Scheduler{DB: a.State, Runner: a.Hunt, Alerts: alerts, IngestDelay: time.Duration(cfg.Analytics.IngestDelay),
		Now: time.Now, Log: log, Publisher: a.Receiver, Catalog: kcat}
	if err := a.loadRules(ctx, kcat); err != nil {
		return nil, err
	}
	if cfg.Analytics.NRT {
		a.NRT = &analytics.NRT{DB: a.State, Catalog: kcat, Alerts: alerts, Stream: a.Stream, Log: log, Publisher: a.Receiver}
	}
	a.RuleService = &analytics.Service{DB: a.State, Catalog: kcat, NRT: a.NRT}
	hecCfg := cfg.HEC
	hecCfg.MaxBodyBytes = cfg.Ingest.MaxBodyBytes
	hecHandler, err := hec.New(hecCfg, a.Catalog, a.Receiver)
	if err != nil {
		return nil, err
	}
	hecHandler.Ready = a.ready
	esCfg := cfg.Elastic
	esCfg.MaxBodyBytes = cfg.Ingest.MaxBodyBytes
	esHandler, err := elastic.New(esCfg, a.Catalog, a.Receiver)
	if err != nil {
		return nil, err
	}
	var sigmaRules api.SigmaRules
	if a.Detector != nil {
		sigmaRules = a.Detector
	}
	deps := api.Deps{
		HEC:       hecHandler,
		Elastic:   esHandler,
		OTLP:      otlp.New(a.Catalog, a.Receiver, cfg.Ingest.MaxBodyBytes),
		Hunt:      a.Hunt,
		Functions: &hunt.FunctionService{Hunt: a.Hunt, DB: a.State, Dir: cfg.KQL.FunctionsDir},
		Alerts:    a.State,
		Rules:     a.RuleService,
		Incidents: a.Incidents,
		Sigma:     sigmaRules,
		Catalog:   a.Catalog, Ingest: a.Receiver, State: a.State,
		Metrics:       promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{}),
		MetricsPublic: cfg.MetricsPublic, Ready: a.ready, MaxBodyBytes: cfg.Ingest.MaxBodyBytes, Log: log,
	}
	if err := a.newIdentity(&deps); err != nil {
		return nil, err
	}
	a.API = api.New(deps)
	return a, nil
}

// newIncidents assembles the correlator, the incident service and the SecurityIncident publisher.
func (a *App) newIncidents(cfg config.Config, log *slog.Logger) error {
	var err error
	if a.IncidentRows, err = incident.NewPublisher(a.State, a.Receiver, a.Catalog, log); err != nil {
		return err
	}
	ic := cfg.Incidents
	a.Correlator = incident.NewCorrelator(a.State, incident.Config{SizeCap: ic.SizeCap, Lookback: time.Duration(ic.Lookback),
		PrevalenceWindow: time.Duration(ic.PrevalenceWindow), SpreadLimit: ic.SpreadLimit, Threshold: ic.Threshold,
		Interval: time.Duration(ic.Interval)}, log)
	a.Correlator.Changed = a.IncidentRows.Notify
	a.Incidents = incident.NewService(a.State)
	a.Incidents.Changed = a.IncidentRows.Notify
	return nil
}

func (a *App) ready() error {
	if !a.writerUp.Load() {
		return errors.New("store writer not running")
	}
	return nil
}

// Start runs the background work (writer, lag watch, statistics, retention) and, if listen is true, the HTTP
// server. It returns once the listener is bound.
func (a *App) Start(ctx context.Context, listen bool) error {
	if err := a.Writer.Prepare(ctx); err != nil {
		return err
	}
	if a.Detector != nil {
		if err := a.Detector.Prepare(ctx); err != nil {
			return err
		}
	}
	if a.NRT != nil {
		if err := a.NRT.Prepare(ctx); err != nil {
			return err
		}
	}
	ctx, a.cancel = context.WithCancel(context.WithoutCancel(ctx))
	// Up from here, not from when the goroutine gets to run: a Close right after Start must still drain what the
	// stream holds.
	a.writerUp.Store(true)
	a.goRun(func() {
		defer a.writerUp.Store(false)
		if err := a.Writer.Run(ctx); err != nil {
			a.Log.Error("store writer stopped", "err", err)
		}
	})
	if a.Detector != nil {
		a.goRun(func() {
			if err := a.Detector.Run(ctx); err != nil {
				a.Log.Error("stream detection stopped", "err", err)
			}
		})
	}
	if a.NRT != nil {
		a.goRun(func() {
			if err := a.NRT.Run(ctx); err != nil {
				a.Log.Error("nrt rules stopped", "err", err)
			}
		})
	}
	if iv := time.Duration(a.Config.Analytics.Interval); iv > 0 {
		a.goRun(func() { a.Rules.Run(ctx, iv) })
	}
	a.goRun(func() { a.Correlator.Run(ctx) })
	a.goRun(func() { a.IncidentRows.Run(ctx) })
	a.goRun(func() { a.watchLag(ctx) })
	a.goRun(func() { a.Stats.Run(ctx, 5*time.Second) })
	a.goRun(func() { a.retention(ctx) })
	a.goRun(func() { a.Audit.Run(ctx) })
	a.goRun(func() { a.sweepSessions(ctx) })
	if !listen {
		return nil
	}
	a.Syslog = syslogsrc.New(a.Config.Syslog, a.Catalog, a.Receiver, a.Log)
	if err := a.Syslog.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Listen, err)
	}
	a.listener = ln
	a.httpSrv = &http.Server{Handler: a.API.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	certFile, keyFile, err := a.tlsFiles()
	if err != nil {
		_ = ln.Close()
		return err
	}
	a.goRun(func() {
		var err error
		if certFile != "" {
			err = a.httpSrv.ServeTLS(ln, certFile, keyFile)
		} else {
			err = a.httpSrv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("http server stopped", "err", err)
		}
	})
	scheme := "http"
	if certFile != "" {
		scheme = "https"
	}
	a.Log.Info("vigil listening", "url", scheme+"://"+ln.Addr().String(), "data", a.Config.DataDir)
	return nil
}

// Addr returns the bound HTTP address (after Start with listen).
func (a *App) Addr() string {
	if a.listener == nil {
		return ""
	}
	return a.listener.Addr().String()
}

func (a *App) goRun(f func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
}

func (a *App) watchLag(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			lag, err := a.writerLag(ctx)
			if err != nil {
				continue
			}
			a.Receiver.SetLag(lag)
			a.Metrics.Lag.Set(float64(lag))
		}
	}
}

func (a *App) retention(ctx context.Context) {
	interval := time.Duration(a.Config.Store.Retention.Interval)
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.ApplyRetention(ctx, time.Now())
			// Batch ids are remembered to skip replays; a replay older than this cannot happen in practice.
			if err := a.Events.PruneLedger(ctx, time.Now().Add(-ledgerKeep)); err != nil {
				a.Log.Warn("pruning the batch ledger failed", "err", err)
			}
		}
	}
}

// ledgerKeep is how long written batch ids are remembered.
const ledgerKeep = 30 * 24 * time.Hour

// ApplyRetention deletes, in every table, the events older than the table's retention at time now. When the store's
// commits are durable only once checkpointed, it checkpoints after deleting, so a crash does not bring the events
// back.
func (a *App) ApplyRetention(ctx context.Context, now time.Time) {
	var deleted int64
	defer func() {
		if deleted > 0 && a.Events.CommitsNeedCheckpoint() {
			if err := a.Events.Checkpoint(ctx); err != nil {
				a.Log.Warn("checkpoint after retention failed; the writer's next one makes the deletes durable", "err", err)
			}
		}
	}()
	for _, t := range a.Catalog.Tables() {
		keep := a.Config.Store.Retention.For(t.Name)
		if keep <= 0 {
			continue
		}
		n, err := a.Events.DeleteBefore(ctx, t, now.Add(-keep))
		if err != nil {
			a.Log.Warn("retention failed", "table", t.Name, "err", err)
		} else if n > 0 {
			deleted += n
			a.Log.Info("retention removed events", "table", t.Name, "events", n)
		}
	}
}

// writerLag returns how many batches of the stream the writer has not committed: the stream's count of those it
// has not acknowledged, less those committed and waiting for a checkpoint to be acknowledged (read after the
// stream's count, so that an acknowledgement in between makes the answer larger, never smaller).
func (a *App) writerLag(ctx context.Context) (uint64, error) {
	lag, err := a.Stream.Lag(ctx, pipeline.WriterName)
	if err != nil {
		return 0, err
	}
	return lag - min(lag, a.Writer.Unacked()), nil
}

// WaitWritten waits until the writer has committed everything in the stream, or ctx ends.
func (a *App) WaitWritten(ctx context.Context) error {
	for {
		lag, err := a.writerLag(ctx)
		if err == nil && lag == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close stops the HTTP server (letting requests in flight finish), lets the writer commit what the stream holds
// (up to drain), then stops everything and closes the stores.
func (a *App) Close(drain time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), drain+10*time.Second)
	defer cancel()
	if a.httpSrv != nil {
		if err := a.httpSrv.Shutdown(ctx); err != nil {
			a.Log.Warn("http shutdown", "err", err)
		}
	}
	if a.Syslog != nil {
		a.Syslog.Close()
	}
	if a.cancel != nil && a.writerUp.Load() {
		dctx, dcancel := context.WithTimeout(ctx, drain)
		if err := a.WaitWritten(dctx); err != nil {
			a.Log.Warn("stopping before the writer caught up; the rest is written at the next start", "err", err)
		}
		dcancel()
	}
	if a.cancel != nil {
		a.cancel()
	}
	a.wg.Wait()
	return a.closeStores()
}

func (a *App) closeStores() error {
	var errs []error
	if a.Stream != nil {
		a.Stream.Close()
	}
	if a.Events != nil {
		errs = append(errs, a.Events.Close())
	}
	if a.State != nil {
		errs = append(errs, a.State.Close())
	}
	return errors.Join(errs...)
}

// notifyingSigma wakes the correlator after the stream detection has recorded new alerts.
type notifyingSigma struct {
	state.SigmaState
	notify func()
}

func (n notifyingSigma) CommitSigma(ctx context.Context, c state.SigmaCommit) (int, error) {
	added, err := n.SigmaState.CommitSigma(ctx, c)
	if added > 0 {
		n.notify()
	}
	return added, err
}
