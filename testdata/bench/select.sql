-- One SELECT by primary key.
\set k random(1, :rows)
SELECT v, n FROM kv WHERE k = :k
