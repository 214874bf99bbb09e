"""What SQLAlchemy does when it meets a PostgreSQL server, against
mirrordb: the psycopg2 dialect's start-up (version(), current_schema(),
the hstore lookup in pg_type, standard_conforming_strings) and
reflection of tables, columns, indexes and constraints from pg_catalog. Prints "ok <step>" per
step; any failure exits non-zero. MIRRORDB_SQLALCHEMY_URL is the URL."""

import os

from sqlalchemy import create_engine, inspect, text

engine = create_engine(os.environ["MIRRORDB_SQLALCHEMY_URL"])
with engine.connect() as c:
    assert engine.dialect.server_version_info[:2] == (16, 0), engine.dialect.server_version_info
    assert engine.dialect.default_schema_name == "dbo", engine.dialect.default_schema_name
    print("ok connect")
with engine.begin() as c:
    c.execute(text("CREATE TABLE sa_items (id int PRIMARY KEY, name nvarchar(50) NOT NULL)"))

inspector = inspect(engine)
names = inspector.get_table_names()
assert "sa_items" in names, names
print("ok tables")

cols = [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("sa_items")]
assert cols == [("id", "INTEGER", False), ("name", "VARCHAR(50)", False)], cols
print("ok columns")

pk = inspector.get_pk_constraint("sa_items")
assert pk["constrained_columns"] == ["id"] and pk["name"].startswith("PK__sa_items"), pk
print("ok primarykey")

# The primary key is no secondary index, and mirrordb has no unique
# constraints, foreign keys or checks yet: each reflects as empty.
assert inspector.has_table("sa_items") and not inspector.has_table("sa_nosuch")
assert inspector.get_indexes("sa_items") == []
assert inspector.get_unique_constraints("sa_items") == []
assert inspector.get_foreign_keys("sa_items") == []
assert inspector.get_check_constraints("sa_items") == []
print("ok constraints")
