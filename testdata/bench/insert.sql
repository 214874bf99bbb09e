-- One durable single-row INSERT per transaction, random unique-enough key.
\set k random(1, 9000000000000000000)
INSERT INTO kv (k, v, n) VALUES (:k, 'pgbench', 1)
