package engine

import "mirrordb/engine/catalog"

// fkRef is a foreign key and the table (the child) that has it.
type fkRef struct {
	child *catalog.TableDef
	fk    *catalog.ForeignKeyDef
}

// referencing lists the foreign keys that reference table id (disabled
// ones too), by the child's id and then in the child's order. Every UPDATE
// and DELETE asks, so the answer is indexed once per schema set rather
// than found by walking every table.
func (s *schemaSet) referencing(id uint32) []fkRef {
	s.refsOnce.Do(func() {
		s.refs = map[uint32][]fkRef{}
		for _, child := range s.tables() {
			for i := range child.ForeignKeys {
				fk := &child.ForeignKeys[i]
				s.refs[fk.RefTable] = append(s.refs[fk.RefTable], fkRef{child, fk})
			}
		}
	})
	return s.refs[id]
}
