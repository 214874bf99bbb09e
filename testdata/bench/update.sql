-- One UPDATE by primary key per transaction (rows 1..:rows were loaded).
\set k random(1, :rows)
UPDATE kv SET n = n + 1 WHERE k = :k
