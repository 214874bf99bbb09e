// Package dbmmonitor is SQL Server's Database Mirroring Monitor in T-SQL:
// the sp_dbmmonitor* system procedures (SPEC §2.11), the status rows they
// record, the monitor job that records them every update period, and the
// warning thresholds that raise events 32040–32044 in the log.
//
// The figures come from the engine's mirroring hooks (SPEC §9.5); what
// this package keeps — the job's period, thresholds and status rows — is
// stored in master's local keys, so it survives restarts as msdb does.
package dbmmonitor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"mirrordb/engine"
	"mirrordb/sqlerr"
)

// Key prefixes in master's local keys.
const (
	keyJob   = "dbmmonitor/job"
	keyAlert = "dbmmonitor/alert/" // + db + "/" + alert id
	keyRow   = "dbmmonitor/row/"   // + db + "/" + %020d unix nanoseconds
)

// minUpdateGap is the least time between two status rows of a database
// (SQL Server: 15 s).
const minUpdateGap = 15 * time.Second

// defaultRetention is how long status rows are kept unless alert 5 says
// otherwise (SQL Server: 168 hours).
const defaultRetention = 168 * time.Hour

// Monitor runs the procedures and the monitor job of one instance.
type Monitor struct {
	in  *engine.Instance
	log *slog.Logger
	// minute is the unit of the job's update period (tests shorten it).
	minute time.Duration

	mu       sync.Mutex
	last     map[string]time.Time // last status row per database
	jobStop  chan struct{}
	jobDone  chan struct{}
	stopping bool
}

// Options adjust a Monitor (tests).
type Options struct {
	// Minute is the unit of the update period (default one minute).
	Minute time.Duration
}

// Start registers the procedures with in and starts the monitor job if
// sp_dbmmonitoraddmonitoring created one earlier.
func Start(in *engine.Instance, log *slog.Logger, o Options) *Monitor {
	if o.Minute <= 0 {
		o.Minute = time.Minute
	}
	m := &Monitor{in: in, log: log, minute: o.Minute, last: map[string]time.Time{}}
	m.register()
	if job, ok := m.job(); ok {
		m.startJob(job.Period)
	}
	return m
}

// Close stops the monitor job.
func (m *Monitor) Close() {
	m.mu.Lock()
	m.stopping = true
	m.mu.Unlock()
	m.stopJob()
}

type jobConfig struct {
	Period int `json:"update_period"` // minutes, 1–120
}

func (m *Monitor) master() *engine.Database { return m.in.Database("master") }

func (m *Monitor) job() (jobConfig, bool) {
	var j jobConfig
	b, ok, err := m.master().MetaGet(keyJob)
	if err != nil || !ok || json.Unmarshal(b, &j) != nil {
		return j, false
	}
	return j, true
}

func (m *Monitor) setJob(j *jobConfig) error {
	var b []byte
	if j != nil {
		b, _ = json.Marshal(j)
	}
	if err := m.master().MetaSet(keyJob, b); err != nil {
		return err
	}
	m.stopJob()
	if j != nil {
		m.startJob(j.Period)
	}
	return nil
}

func (m *Monitor) startJob(period int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopping {
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	m.jobStop, m.jobDone = stop, done
	every := time.Duration(period) * m.minute
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := m.update(context.Background(), "", nil); err != nil {
					m.log.Warn("database mirroring monitor job", "err", err)
				}
			}
		}
	}()
	m.log.Info("database mirroring monitor job running", "update_period_minutes", period)
}

func (m *Monitor) stopJob() {
	m.mu.Lock()
	stop, done := m.jobStop, m.jobDone
	m.jobStop, m.jobDone = nil, nil
	m.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// Row is one status row (the columns of sp_dbmmonitorresults, SPEC §9.5).
type Row struct {
	Database          string    `json:"database_name"`
	Role              int       `json:"role"`
	State             int       `json:"mirroring_state"`
	WitnessStatus     int       `json:"witness_status"`
	LogGenerationRate int64     `json:"log_generation_rate"`
	UnsentLog         int64     `json:"unsent_log"`
	SendRate          int64     `json:"send_rate"`
	UnrestoredLog     int64     `json:"unrestored_log"`
	RecoveryRate      int64     `json:"recovery_rate"`
	TransactionDelay  int64     `json:"transaction_delay"`
	TransactionsPerS  int64     `json:"transactions_per_sec"`
	AverageDelay      int64     `json:"average_delay"`
	TimeRecorded      time.Time `json:"time_recorded"`
	TimeBehind        time.Time `json:"time_behind"`
	LocalTime         time.Time `json:"local_time"`
	OldestUnsentMin   float64   `json:"oldest_unsent_minutes"`
}

// snapshot builds d's status row now (false: d is not mirrored).
func (m *Monitor) snapshot(d *engine.Database, now time.Time) (Row, bool) {
	st := m.in.MirroringStatus(d)
	if st == nil {
		return Row{}, false
	}
	f := st.Figures
	r := Row{Database: d.Name(), Role: st.Role, State: st.State, LogGenerationRate: round(f.LogGenerationKBps),
		UnsentLog: round(f.UnsentLogKB), SendRate: round(f.SendRateKBps), UnrestoredLog: round(f.UnrestoredLogKB),
		RecoveryRate: round(f.RecoveryRateKBps), TransactionDelay: round(f.TransactionDelayMs),
		TransactionsPerS: round(f.TransactionsPerSec), AverageDelay: round(f.AverageDelayMs),
		TimeRecorded: now, LocalTime: now, OldestUnsentMin: f.OldestUnsentSec / 60}
	if st.WitnessName != "" {
		r.WitnessStatus = st.WitnessState
	}
	if st.Role == 1 {
		if t, ok := d.CommitTime(st.FailoverLSN); ok {
			r.TimeBehind = t
		} else if st.FailoverLSN == st.EndOfLog {
			r.TimeBehind = now // caught up
		}
	}
	return r, true
}

func round(f float64) int64 { return int64(f + 0.5) }

// update records a status row for db (every mirrored database when db is
// ""), unless one was recorded less than 15 s ago, checks the thresholds
// and purges rows past the retention period. Events go to the log and,
// when notice is set, to the caller.
func (m *Monitor) update(ctx context.Context, db string, notice func(*sqlerr.Error) error) error {
	now := time.Now()
	for _, d := range m.in.Databases() {
		if db != "" && !strings.EqualFold(d.Name(), db) {
			continue
		}
		key := strings.ToLower(d.Name())
		m.mu.Lock()
		recent := now.Sub(m.last[key]) < minUpdateGap
		m.mu.Unlock()
		if recent {
			continue
		}
		row, ok := m.snapshot(d, now)
		if !ok {
			continue
		}
		b, _ := json.Marshal(row)
		if err := m.master().MetaSet(fmt.Sprintf("%s%s/%020d", keyRow, key, now.UnixNano()), b); err != nil {
			return err
		}
		m.mu.Lock()
		m.last[key] = now
		m.mu.Unlock()
		alerts, err := m.alerts(d.Name())
		if err != nil {
			return err
		}
		for _, e := range breaches(row, alerts) {
			m.log.Warn(e.Message, "msg", e.Number, "db", d.Name())
			if notice != nil {
				if err := notice(e); err != nil {
					return err
				}
			}
		}
		if err := m.purge(key, now.Add(-retention(alerts))); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// rows returns db's status rows, newest first.
func (m *Monitor) rows(db string) ([]Row, error) {
	kv, err := m.master().MetaScan(keyRow + strings.ToLower(db) + "/")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(kv))
	for k := range kv {
		names = append(names, k)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	out := make([]Row, 0, len(names))
	for _, k := range names {
		var r Row
		if json.Unmarshal(kv[k], &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *Monitor) purge(key string, before time.Time) error {
	kv, err := m.master().MetaScan(keyRow + key + "/")
	if err != nil {
		return err
	}
	cut := fmt.Sprintf("%020d", before.UnixNano())
	for k := range kv {
		if k < cut {
			if err := m.master().MetaSet(keyRow+key+"/"+k, nil); err != nil {
				return err
			}
		}
	}
	return nil
}
