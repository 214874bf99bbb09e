"""What a psycopg 3 user does first, against mirrordb: connect, a
transaction with a savepoint, parameters of the common types (psycopg 3
binds them server-side), executemany, COPY both ways (text and binary), errors with their
SQLSTATE, notices, and a multi-host string that finds the principal.
Prints "ok <step>" per step; any failure exits non-zero. MIRRORDB_DSN is
the connection string; MIRRORDB_MULTIHOST_DSN, when set, lists both
partners."""

import datetime
import decimal
import os
import uuid

import psycopg
from psycopg import errors

dsn = os.environ["MIRRORDB_DSN"]

with psycopg.connect(dsn, autocommit=True) as c:
    assert "mirrordb" in c.execute("SELECT @@VERSION").fetchone()[0]
    print("ok connect")

    c.execute(
        "CREATE TABLE py3_items (id int PRIMARY KEY, name nvarchar(50) NOT NULL, price decimal(10,2),"
        " added datetime2, data varbinary(16), ref uniqueidentifier, big bigint)"
    )
    with c.transaction():
        c.execute("INSERT INTO py3_items (id, name) VALUES (%s, %s)", (1, "kept"))
        try:
            with c.transaction():  # a savepoint
                c.execute("INSERT INTO py3_items (id, name) VALUES (%s, %s)", (2, "undone"))
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
    assert c.execute("SELECT id, name FROM py3_items ORDER BY id").fetchall() == [(1, "kept")]
    print("ok savepoint")

    when = datetime.datetime(2024, 1, 2, 3, 4, 5, 678000)
    ref = uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")
    c.execute(
        "INSERT INTO py3_items VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (3, "ünïcode ☃", decimal.Decimal("12.50"), when, b"\x01\x02\xff", str(ref), 2**53 + 1),
    )
    row = c.execute("SELECT name, price, added, data, ref, big FROM py3_items WHERE id = %s", (3,)).fetchone()
    assert row[0] == "ünïcode ☃", row
    assert row[1] == decimal.Decimal("12.50"), row
    assert row[2] == when, row
    assert bytes(row[3]) == b"\x01\x02\xff", row
    assert str(row[4]).lower() == str(ref), row
    assert row[5] == 2**53 + 1, row
    print("ok parameters")

    with c.cursor() as cur:
        with c.transaction():
            cur.executemany(
                "INSERT INTO py3_items (id, name) VALUES (%s, %s)", [(i, f"item {i}") for i in range(10, 110)]
            )
    assert c.execute("SELECT COUNT(*) FROM py3_items").fetchone()[0] == 102
    print("ok batch")

    # COPY: rows written with write_row (text format, psycopg's dumpers),
    # read back row by row, a binary load with declared types, and a load
    # with a bad row that loads nothing.
    with c.cursor() as cur:
        with cur.copy("COPY py3_items (id, name, price, added) FROM STDIN") as copy:
            for i in range(200, 1200):
                copy.write_row((i, f"copied\t{i}", decimal.Decimal(i) + decimal.Decimal("0.25"), when))
        with cur.copy("COPY (SELECT id, name, price FROM py3_items WHERE id BETWEEN 200 AND 202 ORDER BY id) TO STDOUT") as copy:
            copy.set_types(["int4", "text", "numeric"])
            rows = list(copy.rows())
        assert rows == [(i, f"copied\t{i}", decimal.Decimal(i) + decimal.Decimal("0.25")) for i in (200, 201, 202)], rows
        with cur.copy("COPY py3_items (id, name, big) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "text", "int8"])
            for i in range(2000, 2100):
                copy.write_row((i, f"binary {i}", 2**40 + i))
        try:
            with cur.copy("COPY py3_items (id, name) FROM STDIN") as copy:
                copy.write_row((5000, "fine"))
                copy.write_row((1, "duplicate key"))
            raise AssertionError("a load with a duplicate key was accepted")
        except errors.UniqueViolation:
            pass
    assert c.execute("SELECT COUNT(*) FROM py3_items WHERE id >= 200").fetchone()[0] == 1100
    assert c.execute("SELECT big FROM py3_items WHERE id = 2042").fetchone()[0] == 2**40 + 2042
    c.execute("DELETE FROM py3_items WHERE id >= 200")
    print("ok copy")

    try:
        c.execute("INSERT INTO py3_items (id, name) VALUES (%s, %s)", (1, "again"))
        raise AssertionError("a duplicate key was accepted")
    except errors.UniqueViolation as e:
        assert e.sqlstate == "23505"
    try:
        c.execute("SELEC 1")
        raise AssertionError("a syntax error was accepted")
    except errors.SyntaxError as e:
        assert e.diag.statement_position is not None
    assert c.execute("SELECT 1").fetchone()[0] == 1
    print("ok errors")

    notices = []
    c.add_notice_handler(lambda d: notices.append(d.message_primary))
    c.execute("PRINT 'hello from T-SQL'")
    assert any("hello from T-SQL" in n for n in notices), notices
    print("ok notices")

    # TypeInfo.fetch reads pg_type with 'name'::regtype (engine/pgcatalog).
    from psycopg.types import TypeInfo

    t = TypeInfo.fetch(c, "int4")
    assert (t.name, t.oid, t.regtype) == ("int4", 23, "integer"), t
    assert TypeInfo.fetch(c, "hstore") is None  # mirrordb has no hstore
    print("ok typeinfo")

multi = os.environ.get("MIRRORDB_MULTIHOST_DSN")
if multi:
    with psycopg.connect(multi) as c:
        print("ok multihost", c.execute("SELECT @@SERVERNAME").fetchone()[0])
