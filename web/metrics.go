package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/urna-vote/urna/election"
)

// Metrics for Prometheus (served by MetricsHandler, on an address of its
// own: `urna serve --metrics-addr`). Labels never carry anything about a
// voter: routes are patterns, not paths.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	rejected *prometheus.CounterVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "urna_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "urna_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "urna_ballots_rejected_total", Help: "Ballots refused by a check of the state machine while voting was open, by election and reason (the cast API's error code), since the process started.",
		}, []string{"election", "reason"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.rejected, &electionCollector{s},
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// observe records one request.
func (m *metrics) observe(route string, code int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}

// MetricsHandler serves the metrics in Prometheus's text format.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// electionCollector reports each election's figures from its state at
// scrape time.
type electionCollector struct{ s *Server }

var (
	descEntries = prometheus.NewDesc("urna_ledger_entries", "Entries on the election's ledger.", []string{"election"}, nil)
	descCounts  = prometheus.NewDesc("urna_election_count", "The election's reconciliation counts (issued, voted, counted, superseded, spoiled).", []string{"election", "count"}, nil)
	descQueue   = prometheus.NewDesc("urna_ballotbox_ok", "1 while the election's ballot box accepts entries, 0 once it has stopped on an error.", []string{"election"}, nil)
)

func (c *electionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descEntries
	ch <- descCounts
	ch <- descQueue
}

func (c *electionCollector) Collect(ch chan<- prometheus.Metric) {
	for _, e := range c.s.p.Elections() {
		var next uint64
		var counts election.Reconciliation
		e.Box.View(func(st *election.State) { next, counts = st.Next, st.Counts })
		ch <- prometheus.MustNewConstMetric(descEntries, prometheus.GaugeValue, float64(next), e.ID)
		for name, v := range map[string]uint64{"issued": counts.Issued, "voted": counts.Voted, "counted": counts.Counted,
			"superseded": counts.Superseded, "spoiled": counts.Spoiled} {
			ch <- prometheus.MustNewConstMetric(descCounts, prometheus.GaugeValue, float64(v), e.ID, name)
		}
		ok := 1.0
		if e.Box.Ledger().Err() != nil {
			ok = 0
		}
		ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, ok, e.ID)
	}
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets server-sent events through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// ready answers 200 while every election's ledger accepts entries, and 503
// naming the first that stopped (a load balancer then sends voters
// elsewhere).
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	for _, e := range s.p.Elections() {
		if err := e.Box.Ledger().Err(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "election": e.ID, "error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ready": true})
}
