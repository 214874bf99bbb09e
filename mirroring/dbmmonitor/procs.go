package dbmmonitor

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mirrordb/engine"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

var (
	intT     = types.TypeInt
	sysname  = types.NVarCharType(128)
	datetime = types.TypeDateTime
)

func col(name string, t types.Type) session.Column { return session.Column{Name: name, Type: t} }

func required(name string) engine.Param { return engine.Param{Name: name, Required: true} }

func optional(name string, def types.Value) engine.Param {
	return engine.Param{Name: name, Default: def}
}

// resultColumns are sp_dbmmonitorresults' columns (SPEC §9.5).
var resultColumns = []session.Column{col("database_name", sysname), col("role", intT), col("mirroring_state", intT),
	col("witness_status", intT), col("log_generation_rate", intT), col("unsent_log", intT), col("send_rate", intT),
	col("unrestored_log", intT), col("recovery_rate", intT), col("transaction_delay", intT),
	col("transactions_per_sec", intT), col("average_delay", intT), col("time_recorded", datetime),
	col("time_behind", datetime), col("local_time", datetime)}

var alertColumns = []session.Column{col("alert_id", intT), col("threshold", intT), col("enabled", types.TypeBit)}

// register installs the sp_dbmmonitor* procedures.
func (m *Monitor) register() {
	procs := map[string]engine.Procedure{
		"sp_dbmmonitoraddmonitoring": {Params: []engine.Param{optional("update_period", int64(1))},
			Run: m.addMonitoring},
		"sp_dbmmonitorchangemonitoring": {Params: []engine.Param{required("parameter"), required("value")},
			Run: m.changeMonitoring},
		"sp_dbmmonitorhelpmonitoring": {Columns: []session.Column{col("update_period", intT)}, Run: m.helpMonitoring},
		"sp_dbmmonitordropmonitoring": {Run: func(context.Context, *engine.ProcCall) ([][]types.Value, error) {
			return nil, m.setJob(nil)
		}},
		"sp_dbmmonitorupdate": {Params: []engine.Param{optional("database_name", nil)}, Run: m.updateProc},
		"sp_dbmmonitorresults": {Params: []engine.Param{required("database_name"), optional("mode", int64(0)),
			optional("update_table", int64(0))}, Columns: resultColumns, Run: m.results},
		"sp_dbmmonitorchangealert": {Params: []engine.Param{required("database_name"), required("alert_id"),
			required("threshold"), required("enabled")}, Run: m.changeAlert},
		"sp_dbmmonitorhelpalert": {Params: []engine.Param{required("database_name"), optional("alert_id", nil)},
			Columns: alertColumns, Run: m.helpAlert},
		"sp_dbmmonitordropalert": {Params: []engine.Param{required("database_name"), optional("alert_id", nil)},
			Run: m.dropAlert},
	}
	for name, p := range procs {
		// Changing the monitor is the sysadmins'; anyone may read it.
		p.SysadminOnly = !strings.Contains(name, "help") && name != "sp_dbmmonitorresults"
		m.in.RegisterProcedure(name, p)
	}
}

// invalid is the error of a procedure given a bad argument.
func invalid(proc string) error { return sqlerr.New(15600, proc) }

// intArg reads an integer argument (nil when NULL).
func intArg(c *engine.ProcCall, name string) (int64, bool) {
	v := c.Args[name]
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case nil:
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(fmt.Sprint(v)), 64)
	if err != nil || n != float64(int64(n)) {
		return 0, false
	}
	return int64(n), true
}

// database resolves the database_name argument.
func (m *Monitor) database(c *engine.ProcCall, proc string) (*engine.Database, error) {
	name, ok := c.Args["database_name"].(string)
	if !ok || name == "" {
		return nil, invalid(proc)
	}
	d := m.in.Database(name)
	if d == nil {
		return nil, sqlerr.New(15010, name)
	}
	return d, nil
}

func (m *Monitor) addMonitoring(_ context.Context, c *engine.ProcCall) ([][]types.Value, error) {
	period, ok := intArg(c, "update_period")
	if !ok || period < 1 || period > 120 {
		return nil, invalid("sp_dbmmonitoraddmonitoring")
	}
	if _, exists := m.job(); exists {
		return nil, nil // the job exists: change its period with sp_dbmmonitorchangemonitoring
	}
	return nil, m.setJob(&jobConfig{Period: int(period)})
}

func (m *Monitor) changeMonitoring(_ context.Context, c *engine.ProcCall) ([][]types.Value, error) {
	param, ok1 := intArg(c, "parameter")
	value, ok2 := intArg(c, "value")
	if !ok1 || !ok2 || param != 1 || value < 1 || value > 120 {
		return nil, invalid("sp_dbmmonitorchangemonitoring")
	}
	return nil, m.setJob(&jobConfig{Period: int(value)})
}

func (m *Monitor) helpMonitoring(context.Context, *engine.ProcCall) ([][]types.Value, error) {
	if j, ok := m.job(); ok {
		return [][]types.Value{{int64(j.Period)}}, nil
	}
	return nil, nil
}

func (m *Monitor) updateProc(ctx context.Context, c *engine.ProcCall) ([][]types.Value, error) {
	db := ""
	if c.Args["database_name"] != nil {
		d, err := m.database(c, "sp_dbmmonitorupdate")
		if err != nil {
			return nil, err
		}
		db = d.Name()
	}
	return nil, m.update(ctx, db, c.Notice)
}

// resultWindows are sp_dbmmonitorresults' modes 1–5 (by age) and 6–9
// (by count).
var (
	modeAge   = map[int64]time.Duration{1: 2 * time.Hour, 2: 4 * time.Hour, 3: 8 * time.Hour, 4: 24 * time.Hour, 5: 48 * time.Hour}
	modeCount = map[int64]int{0: 1, 6: 100, 7: 500, 8: 1000, 9: 1000000}
)

func (m *Monitor) results(ctx context.Context, c *engine.ProcCall) ([][]types.Value, error) {
	d, err := m.database(c, "sp_dbmmonitorresults")
	if err != nil {
		return nil, err
	}
	mode, ok1 := intArg(c, "mode")
	refresh, ok2 := intArg(c, "update_table")
	if !ok1 || !ok2 || mode < 0 || mode > 9 || refresh < 0 || refresh > 1 {
		return nil, invalid("sp_dbmmonitorresults")
	}
	if refresh == 1 {
		if err := m.update(ctx, d.Name(), c.Notice); err != nil {
			return nil, err
		}
	}
	rows, err := m.rows(d.Name())
	if err != nil {
		return nil, err
	}
	if n, ok := modeCount[mode]; ok {
		rows = rows[:min(n, len(rows))]
	} else {
		since := time.Now().Add(-modeAge[mode])
		keep := 0
		for keep < len(rows) && !rows[keep].TimeRecorded.Before(since) {
			keep++
		}
		rows = rows[:keep]
	}
	out := make([][]types.Value, len(rows))
	for i, r := range rows {
		out[i] = []types.Value{r.Database, int64(r.Role), int64(r.State), int64(r.WitnessStatus),
			r.LogGenerationRate, r.UnsentLog, r.SendRate, r.UnrestoredLog, r.RecoveryRate, r.TransactionDelay,
			r.TransactionsPerS, r.AverageDelay, engine.DateTimeValue(r.TimeRecorded),
			engine.DateTimeValue(r.TimeBehind), engine.DateTimeValue(r.LocalTime)}
	}
	return out, nil
}

func (m *Monitor) changeAlert(_ context.Context, c *engine.ProcCall) ([][]types.Value, error) {
	const proc = "sp_dbmmonitorchangealert"
	d, err := m.database(c, proc)
	if err != nil {
		return nil, err
	}
	id, ok1 := intArg(c, "alert_id")
	threshold, ok2 := intArg(c, "threshold")
	enabled, ok3 := intArg(c, "enabled")
	if !ok1 || !ok2 || !ok3 || id < alertOldestUnsent || id > alertRetention || threshold < 0 || enabled < 0 || enabled > 1 {
		return nil, invalid(proc)
	}
	return nil, m.setAlert(d.Name(), int(id), &alert{Threshold: threshold, Enabled: enabled == 1 || id == alertRetention})
}

// alertArgs reads the arguments of helpalert/dropalert: the database and
// one alert id, or when alert_id is NULL every warning (help leaves out
// the retention period, as SQL Server does).
func (m *Monitor) alertArgs(c *engine.ProcCall, proc string, withRetention bool) (*engine.Database, []int, error) {
	d, err := m.database(c, proc)
	if err != nil {
		return nil, nil, err
	}
	if c.Args["alert_id"] == nil {
		ids := []int{alertOldestUnsent, alertUnsentLog, alertUnrestored, alertCommitDelay}
		if withRetention {
			ids = append(ids, alertRetention)
		}
		return d, ids, nil
	}
	id, ok := intArg(c, "alert_id")
	if !ok || id < alertOldestUnsent || id > alertRetention {
		return nil, nil, invalid(proc)
	}
	return d, []int{int(id)}, nil
}

func (m *Monitor) helpAlert(_ context.Context, c *engine.ProcCall) ([][]types.Value, error) {
	d, ids, err := m.alertArgs(c, "sp_dbmmonitorhelpalert", false)
	if err != nil {
		return nil, err
	}
	alerts, err := m.alerts(d.Name())
	if err != nil {
		return nil, err
	}
	var out [][]types.Value
	for _, id := range ids {
		a, ok := alerts[id]
		if id == alertRetention && !ok {
			a, ok = alert{Threshold: int64(defaultRetention / time.Hour), Enabled: true}, true
		}
		if !ok {
			out = append(out, []types.Value{int64(id), nil, nil})
			continue
		}
		out = append(out, []types.Value{int64(id), a.Threshold, a.Enabled})
	}
	return out, nil
}

func (m *Monitor) dropAlert(_ context.Context, c *engine.ProcCall) ([][]types.Value, error) {
	d, ids, err := m.alertArgs(c, "sp_dbmmonitordropalert", true)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := m.setAlert(d.Name(), id, nil); err != nil {
			return nil, err
		}
	}
	return nil, nil
}
