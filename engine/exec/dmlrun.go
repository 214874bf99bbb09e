package exec

import (
	"bytes"

	"mirrordb/engine/govern"
	"mirrordb/types"
)

// MatchRows collects the rows a WHERE clause selects (with their keys and
// encoded values), up to TOP's count, before anything is changed: the
// Halloween protection of UPDATE and DELETE.
func MatchRows(e *Env, scan *TableScan, where, top Expr) (keysOut, raws [][]byte, rows [][]types.Value, err error) {
	limit := int64(-1)
	if top != nil {
		v, err := top.Eval(e)
		if err != nil {
			return nil, nil, nil, err
		}
		if n, ok := v.(int64); ok && n >= 0 {
			limit = n
		}
	}
	if limit == 0 {
		return nil, nil, nil, nil
	}
	err = scan.ScanKeys(e, func(key, raw []byte, row []types.Value) error {
		e.Row = row
		if where != nil {
			v, err := where.Eval(e)
			if err != nil || !Truth(v) {
				return err
			}
		}
		keysOut = append(keysOut, bytes.Clone(key))
		raws = append(raws, bytes.Clone(raw))
		rows = append(rows, append([]types.Value{}, row...))
		if err := e.Gov.Grow(int64(len(key)+len(raw)) + govern.RowSize(rows[len(rows)-1]) + 3*8); err != nil {
			return err
		}
		if limit > 0 && int64(len(rows)) >= limit {
			return ErrStopScan
		}
		return nil
	})
	if err == ErrStopScan {
		err = nil
	}
	return keysOut, raws, rows, err
}

// DeleteRows deletes the rows MatchRows found, and their index entries.
func DeleteRows(e *Env, ws Writes, tableID uint32, ks, raws [][]byte, rows [][]types.Value) error {
	for i, k := range ks {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if err := ws.Write(k, raws[i], true, nil); err != nil {
			return err
		}
		if err := WriteIndexes(ws, tableID, k, rows[i], nil, nil); err != nil {
			return err
		}
	}
	return nil
}
