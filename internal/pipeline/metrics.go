package pipeline

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus metrics.
type Metrics struct {
	Received     *prometheus.CounterVec
	Accepted     *prometheus.CounterVec
	Rejected     *prometheus.CounterVec
	Written      *prometheus.CounterVec
	Throttled    prometheus.Counter
	WriteSeconds prometheus.Histogram
	Queryable    prometheus.Histogram
	Lag          prometheus.Gauge
	// AdmissionWaiting and AdmissionWait describe the ingest admission queue (admission.go).
	AdmissionWaiting prometheus.Gauge
	AdmissionWait    prometheus.Histogram
	// CheckpointSeconds times the store checkpoints the writer runs (writer.go).
	CheckpointSeconds prometheus.Histogram
}

// NewMetrics creates the metrics and registers them with reg (which may be nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_ingest_events_received_total",
			Help: "Events (lines) received, by table."}, []string{"table"}),
		Accepted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_ingest_events_accepted_total",
			Help: "Events accepted (durable in the stream), by table."}, []string{"table"}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_ingest_events_rejected_total",
			Help: "Events rejected at ingest, by table."}, []string{"table"}),
		Written: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_store_events_written_total",
			Help: "Events committed to the event store, by table."}, []string{"table"}),
		Throttled: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_ingest_throttled_total",
			Help: "Requests refused because the stream or the writer was behind (429; Splunk HEC 503 code 9)."}),
		WriteSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vigil_store_write_seconds",
			Help: "Time to commit one group of batches to the event store.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		Queryable: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vigil_ingest_to_queryable_seconds",
			Help: "Time from a batch being received to it being committed in the store.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		Lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigil_stream_lag_messages",
			Help: "Batches in the stream not yet committed by the store writer."}),
		AdmissionWaiting: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigil_ingest_admission_waiting",
			Help: "Ingest requests waiting, in arrival order, for the store writer to catch up."}),
		AdmissionWait: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vigil_ingest_admission_wait_seconds",
			Help: "Time an admitted ingest request waited before its body was read.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		CheckpointSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vigil_store_checkpoint_seconds",
			Help: "Time of one event store checkpoint run by the store writer (the writer waits for it).", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
	}
	if reg != nil {
		reg.MustRegister(m.Received, m.Accepted, m.Rejected, m.Written, m.Throttled, m.WriteSeconds, m.Queryable, m.Lag,
			m.AdmissionWaiting, m.AdmissionWait, m.CheckpointSeconds)
	}
	return m
}
