package dbmmonitor

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"mirrordb/sqlerr"
)

// Warning thresholds (sp_dbmmonitorchangealert alert_id values).
const (
	alertOldestUnsent = 1 // minutes, principal
	alertUnsentLog    = 2 // KB, principal
	alertUnrestored   = 3 // KB, mirror
	alertCommitDelay  = 4 // ms per transaction, principal
	alertRetention    = 5 // hours of status rows kept (always enabled)
)

// alertEvents maps a threshold to the event it raises.
var alertEvents = map[int]int{alertOldestUnsent: 32040, alertUnsentLog: 32042, alertUnrestored: 32043,
	alertCommitDelay: 32044}

type alert struct {
	Threshold int64 `json:"threshold"`
	Enabled   bool  `json:"enabled"`
}

func alertKey(db string, id int) string {
	return fmt.Sprintf("%s%s/%d", keyAlert, strings.ToLower(db), id)
}

// alerts returns db's thresholds by id.
func (m *Monitor) alerts(db string) (map[int]alert, error) {
	out := map[int]alert{}
	for id := alertOldestUnsent; id <= alertRetention; id++ {
		b, ok, err := m.master().MetaGet(alertKey(db, id))
		if err != nil {
			return nil, err
		}
		var a alert
		if ok && json.Unmarshal(b, &a) == nil {
			out[id] = a
		}
	}
	return out, nil
}

func (m *Monitor) setAlert(db string, id int, a *alert) error {
	var b []byte
	if a != nil {
		b, _ = json.Marshal(a)
	}
	return m.master().MetaSet(alertKey(db, id), b)
}

// breaches lists the events row raises against the enabled thresholds.
// Each figure is checked on the role where it means something.
func breaches(row Row, alerts map[int]alert) []*sqlerr.Error {
	principal := row.Role == 1
	values := map[int]struct {
		v  int64
		on bool
	}{
		alertOldestUnsent: {int64(row.OldestUnsentMin), principal},
		alertUnsentLog:    {row.UnsentLog, principal},
		alertUnrestored:   {row.UnrestoredLog, !principal},
		alertCommitDelay:  {row.AverageDelay, principal},
	}
	var out []*sqlerr.Error
	for id := alertOldestUnsent; id <= alertCommitDelay; id++ {
		a, ok := alerts[id]
		if x := values[id]; ok && a.Enabled && x.on && x.v > a.Threshold {
			out = append(out, sqlerr.New(alertEvents[id], x.v, a.Threshold))
		}
	}
	return out
}

// retention is how long status rows are kept.
func retention(alerts map[int]alert) time.Duration {
	if a, ok := alerts[alertRetention]; ok && a.Threshold > 0 {
		return time.Duration(a.Threshold) * time.Hour
	}
	return defaultRetention
}
