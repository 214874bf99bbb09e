// Package monitor is the instance's HTTP surface for operators and load
// balancers (--http): /healthz, the role probes /principal and /mirror,
// Prometheus metrics at /metrics, and the Database Mirroring Monitor: a
// web page at / that polls /api/status (JSON) of this instance and of the
// partners named in ?peers=. Everything is read from the engine when
// asked, so a scrape, a probe or a poll always sees the current roles.
package monitor

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mirrordb/engine"
	"mirrordb/internal/stat"
)

// Handler serves the monitoring endpoints of in.
func Handler(in *engine.Instance) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{in})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /principal", func(w http.ResponseWriter, r *http.Request) { probe(w, r, in, "PRINCIPAL") })
	mux.HandleFunc("GET /mirror", func(w http.ResponseWriter, r *http.Request) { probe(w, r, in, "MIRROR") })
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/status", serveStatus(in))
	mux.HandleFunc("GET /{$}", servePage)
	mux.Handle("GET /page/", http.FileServerFS(page))
	return mux
}

// probe answers 200 when this instance holds role for the database named
// by ?database= (by default: for every mirrored database, and there is at
// least one), and as principal also serves it (quorum); 503 otherwise. The
// body lists each database's role and state.
func probe(w http.ResponseWriter, r *http.Request, in *engine.Instance, role string) {
	want := r.URL.Query().Get("database")
	var lines []string
	ok, seen := true, false
	for _, d := range in.Databases() {
		if want != "" && !strings.EqualFold(d.Name(), want) {
			continue
		}
		st := in.MirroringStatus(d)
		if st == nil {
			if want != "" {
				ok = false
				lines = append(lines, d.Name()+" NOT MIRRORED")
			}
			continue
		}
		seen = true
		holds := st.RoleDesc == role && (role != "PRINCIPAL" || d.Available())
		ok = ok && holds
		lines = append(lines, fmt.Sprintf("%s %s %s", d.Name(), st.RoleDesc, st.StateDesc))
	}
	if !seen {
		ok = false
	}
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

// collector reads the mirroring figures at scrape time.
type collector struct{ in *engine.Instance }

var (
	labels   = []string{"database"}
	role     = prometheus.NewDesc("mirrordb_mirroring_role", "Mirroring role of the database here: 1 principal, 2 mirror.", labels, nil)
	state    = prometheus.NewDesc("mirrordb_mirroring_state", "mirroring_state: 0 suspended, 1 disconnected, 2 synchronizing, 3 pending failover, 4 synchronized.", labels, nil)
	witness  = prometheus.NewDesc("mirrordb_mirroring_witness_state", "mirroring_witness_state: 0 unknown, 1 connected, 2 disconnected (only with a witness).", labels, nil)
	sequence = prometheus.NewDesc("mirrordb_mirroring_role_sequence", "Role sequence number: how many role switches the session has had.", labels, nil)
	safety   = prometheus.NewDesc("mirrordb_mirroring_safety_level", "SAFETY: 1 OFF, 2 FULL.", labels, nil)
	endLSN   = prometheus.NewDesc("mirrordb_log_end_lsn", "Last LSN of the database's log that is on disk.", labels, nil)
	unsent   = prometheus.NewDesc("mirrordb_mirroring_unhardened_log_records", "On a principal: log records the mirror has not hardened yet (what a failover now could lose).", labels, nil)
	open     = prometheus.NewDesc("mirrordb_database_available", "1 when the database is open to users here (a principal with quorum), else 0.", labels, nil)

	// The Database Mirroring Monitor's figures (SPEC §9.5).
	genRate     = prometheus.NewDesc("mirrordb_mirroring_log_generation_kb_per_second", "Principal: KB/s of new log (last 10 s).", labels, nil)
	txnRate     = prometheus.NewDesc("mirrordb_mirroring_transactions_per_second", "Principal: write transactions per second (last 10 s).", labels, nil)
	unsentKB    = prometheus.NewDesc("mirrordb_mirroring_unsent_log_kb", "Principal: KB of log not yet sent to the mirror (the send queue).", labels, nil)
	sendRate    = prometheus.NewDesc("mirrordb_mirroring_send_rate_kb_per_second", "Principal: KB/s of log sent to the mirror (last 10 s).", labels, nil)
	oldest      = prometheus.NewDesc("mirrordb_mirroring_oldest_unsent_transaction_seconds", "Principal: age of the oldest transaction not yet sent (0: none).", labels, nil)
	avgDelay    = prometheus.NewDesc("mirrordb_mirroring_average_delay_ms", "Principal: mean ms a commit waited for the mirror (last 10 s; about 0 under SAFETY OFF).", labels, nil)
	totalDelay  = prometheus.NewDesc("mirrordb_mirroring_transaction_delay_ms_total", "Principal: total ms commits waited for the mirror since the session started here.", labels, nil)
	unrestored  = prometheus.NewDesc("mirrordb_mirroring_unrestored_log_kb", "Mirror: KB of log received and not yet redone (the redo queue).", labels, nil)
	redoRate    = prometheus.NewDesc("mirrordb_mirroring_recovery_rate_kb_per_second", "Mirror: KB/s of log redone (last 10 s).", labels, nil)
	commitTime  = prometheus.NewDesc("mirrordb_commit_duration_seconds", "Commit time of each write transaction, from its log write to its acknowledgement (fsync and, when mirrored, the wait for the mirror).", labels, nil)
	commitDelay = prometheus.NewDesc("mirrordb_mirroring_commit_delay_seconds", "Principal: how long each commit waited for the mirror (SQL Server's Transaction Delay).", labels, nil)
	pingRTT     = prometheus.NewDesc("mirrordb_mirroring_ping_rtt_seconds", "Round trip of the endpoint's pings to each connected instance.", []string{"instance"}, nil)
)

func (collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{role, state, witness, sequence, safety, endLSN, unsent, open, genRate, txnRate,
		unsentKB, sendRate, oldest, avgDelay, totalDelay, unrestored, redoRate, commitTime, commitDelay, pingRTT} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, db string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, db)
	}
	for _, d := range c.in.Databases() {
		histogram(ch, commitTime, d.CommitLatency(), d.Name())
		st := c.in.MirroringStatus(d)
		if st == nil {
			continue
		}
		name := d.Name()
		gauge(role, float64(st.Role), name)
		gauge(state, float64(st.State), name)
		if st.WitnessName != "" {
			gauge(witness, float64(st.WitnessState), name)
		}
		gauge(sequence, float64(st.RoleSequence), name)
		gauge(safety, float64(st.SafetyLevel), name)
		gauge(endLSN, float64(st.EndOfLog), name)
		if st.Role == 1 {
			gauge(unsent, float64(st.EndOfLog-min(st.EndOfLog, st.FailoverLSN)), name)
		}
		available := 0.0
		if d.Available() {
			available = 1
		}
		gauge(open, available, name)
		f := st.Figures
		if st.Role == 1 {
			gauge(genRate, f.LogGenerationKBps, name)
			gauge(txnRate, f.TransactionsPerSec, name)
			gauge(unsentKB, f.UnsentLogKB, name)
			gauge(sendRate, f.SendRateKBps, name)
			gauge(oldest, f.OldestUnsentSec, name)
			gauge(avgDelay, f.AverageDelayMs, name)
			ch <- prometheus.MustNewConstMetric(totalDelay, prometheus.CounterValue, f.TransactionDelayMs, name)
		} else {
			gauge(unrestored, f.UnrestoredLogKB, name)
			gauge(redoRate, f.RecoveryRateKBps, name)
		}
	}
	lat := c.in.MirroringLatencies()
	for db, h := range lat.CommitDelay {
		histogram(ch, commitDelay, h, db)
	}
	for instance, h := range lat.RoundTrip {
		histogram(ch, pingRTT, h, instance)
	}
}

func histogram(ch chan<- prometheus.Metric, d *prometheus.Desc, h *stat.Histogram, label string) {
	count, sum, buckets := h.Snapshot()
	ch <- prometheus.MustNewConstHistogram(d, count, sum, buckets, label)
}
