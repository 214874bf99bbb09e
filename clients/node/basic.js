// What a node-postgres user does first, against mirrordb: connect, a
// transaction with a savepoint, parameters of the common types, a batch of
// inserts, COPY both ways with pg-copy-streams, errors with their SQLSTATE,
// a pool. Prints "ok <step>" per step;
// any failure exits non-zero. MIRRORDB_URL is the connection string.
'use strict';
const { Client, Pool } = require('pg');
const { from: copyFrom, to: copyTo } = require('pg-copy-streams');
const { pipeline } = require('stream/promises');
const { Readable, Writable } = require('stream');
const assert = require('assert');

const url = process.env.MIRRORDB_URL;

async function main() {
  const c = new Client({ connectionString: url });
  await c.connect();
  const v = await c.query('SELECT @@VERSION AS v');
  assert.match(v.rows[0].v, /mirrordb/);
  console.log('ok connect');

  await c.query('CREATE TABLE node_items (id int PRIMARY KEY, name nvarchar(50) NOT NULL, price decimal(10,2), added datetime2, data varbinary(16), ref uniqueidentifier)');
  await c.query('BEGIN');
  await c.query('INSERT INTO node_items (id, name) VALUES ($1, $2)', [1, 'kept']);
  await c.query('SAVEPOINT s1');
  await c.query('INSERT INTO node_items (id, name) VALUES ($1, $2)', [2, 'undone']);
  await c.query('ROLLBACK TO SAVEPOINT s1');
  await c.query('COMMIT');
  const kept = await c.query('SELECT id, name FROM node_items ORDER BY id');
  assert.deepStrictEqual(kept.rows, [{ id: 1, name: 'kept' }]);
  console.log('ok savepoint');

  const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
  await c.query('INSERT INTO node_items VALUES ($1, $2, $3, $4, $5, $6)',
    [3, 'ünïcode ☃', '12.50', when, Buffer.from([1, 2, 255]), '6f9619ff-8b86-d011-b42d-00c04fc964ff']);
  const r = await c.query('SELECT name, price, added, data, ref FROM node_items WHERE id = $1', [3]);
  assert.strictEqual(r.rows[0].name, 'ünïcode ☃');
  assert.strictEqual(r.rows[0].price, '12.50');
  assert.strictEqual(r.rows[0].added.toISOString().slice(0, 23), '2024-01-02T03:04:05.678');
  assert.deepStrictEqual([...r.rows[0].data], [1, 2, 255]);
  assert.strictEqual(r.rows[0].ref.toLowerCase(), '6f9619ff-8b86-d011-b42d-00c04fc964ff');
  const n = await c.query('SELECT CAST($1 AS int) + 1 AS n', [41]);
  assert.strictEqual(n.rows[0].n, 42);
  console.log('ok parameters');

  await c.query('BEGIN');
  for (let i = 10; i < 110; i++) {
    await c.query('INSERT INTO node_items (id, name) VALUES ($1, $2)', [i, 'item ' + i]);
  }
  await c.query('COMMIT');
  const count = await c.query('SELECT COUNT(*) AS n FROM node_items');
  assert.strictEqual(Number(count.rows[0].n), 102);
  console.log('ok batch');

  // COPY FROM STDIN in csv through a stream, then COPY TO STDOUT back; a
  // load with a bad row loads nothing.
  const lines = [];
  for (let i = 200; i < 1200; i++) lines.push(`${i},"copied, ${i}",${i}.25\n`);
  await pipeline(Readable.from(lines), c.query(copyFrom('COPY node_items (id, name, price) FROM STDIN WITH (FORMAT csv)')));
  const copied = await c.query('SELECT COUNT(*) AS n, SUM(price) AS s FROM node_items WHERE id >= 200');
  assert.strictEqual(Number(copied.rows[0].n), 1000);
  assert.strictEqual(copied.rows[0].s, '699750.00');
  const chunks = [];
  await pipeline(c.query(copyTo('COPY (SELECT id, name FROM node_items WHERE id BETWEEN 200 AND 202 ORDER BY id) TO STDOUT WITH (FORMAT csv)')),
    new Writable({ write(chunk, _enc, done) { chunks.push(chunk); done(); } }));
  assert.strictEqual(Buffer.concat(chunks).toString(), '200,"copied, 200"\n201,"copied, 201"\n202,"copied, 202"\n');
  try {
    await pipeline(Readable.from(['5000,ok,1\n', 'x,bad,2\n']), c.query(copyFrom('COPY node_items (id, name, price) FROM STDIN WITH (FORMAT csv)')));
    assert.fail('a bad row was loaded');
  } catch (e) {
    assert.strictEqual(e.code, '22P02', e.message);
    assert.match(e.message, /Msg 245/);
  }
  const none = await c.query('SELECT COUNT(*) AS n FROM node_items WHERE id = 5000');
  assert.strictEqual(Number(none.rows[0].n), 0);
  await c.query('DELETE FROM node_items WHERE id >= 200');
  console.log('ok copy');

  try {
    await c.query('INSERT INTO node_items (id, name) VALUES ($1, $2)', [1, 'again']);
    assert.fail('a duplicate key was accepted');
  } catch (e) {
    assert.strictEqual(e.code, '23505');
    assert.match(e.message, /2627|PRIMARY KEY/);
  }
  try {
    await c.query('SELEC 1');
    assert.fail('a syntax error was accepted');
  } catch (e) {
    assert.strictEqual(e.code, '42601');
    assert.ok(Number(e.position) > 0, 'syntax errors carry a position');
  }
  const after = await c.query('SELECT 1 AS one');
  assert.strictEqual(after.rows[0].one, 1);
  console.log('ok errors');

  const notices = [];
  c.on('notice', (m) => notices.push(m.message));
  await c.query("PRINT 'hello from T-SQL'");
  await new Promise((res) => setImmediate(res));
  assert.ok(notices.some((m) => m.includes('hello from T-SQL')), 'PRINT arrives as a notice: ' + notices);
  console.log('ok notices');
  await c.end();

  const pool = new Pool({ connectionString: url, max: 4 });
  const rows = await Promise.all([...Array(16).keys()].map((i) => pool.query('SELECT name FROM node_items WHERE id = $1', [10 + i])));
  rows.forEach((res, i) => assert.strictEqual(res.rows[0].name, 'item ' + (10 + i)));
  await pool.end();
  console.log('ok pool');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
