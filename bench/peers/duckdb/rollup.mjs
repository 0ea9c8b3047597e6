// Runs rollup.sql with DuckDB over an export and prints one JSON object:
// the rows and the wall time of the query.
//   node rollup.mjs GLOB SOURCES.json
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [glob, sources] = process.argv.slice(2);
const quote = (s) => "'" + s.replaceAll("'", "''") + "'";
const sql = readFileSync(new URL('./rollup.sql', import.meta.url), 'utf8')
  .replaceAll('${LOGS}', quote(glob))
  .replaceAll('${SOURCES}', quote(sources));
const inst = await DuckDBInstance.create(':memory:');
const conn = await inst.connect();
const start = process.hrtime.bigint();
const reader = await conn.runAndReadAll(sql);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const rows = reader.getRows().map(([account, namespace, last, region]) => ({ account, namespace, last, region }));
const threads = (await (await conn.runAndReadAll("SELECT current_setting('threads')")).getRows())[0][0];
process.stdout.write(JSON.stringify({ seconds, threads: Number(threads), rows }) + '\n');
