// node's mysql2 against lastaccess serve, for sqlfront's client tests
// (TestClientsMySQL2): prints one JSON object of what the client saw.
// The server and accounts come from the environment (LASTACCESS_ADDR,
// LASTACCESS_ADMIN, LASTACCESS_ADMIN_PASSWORD, LASTACCESS_READER,
// LASTACCESS_READER_PASSWORD, LASTACCESS_ROOT: an entity path).
'use strict';
const mysql = require('mysql2/promise');

const [host, port] = process.env.LASTACCESS_ADDR.split(':');
const connect = (user, password, extra) => mysql.createConnection({
  host, port: Number(port), user, password, database: 'lastaccess', ...extra,
});

// shape says how a client sees a CALL's answer: on MySQL, [[rows], ResultSetHeader].
function shape(result) {
  if (!Array.isArray(result)) return result && result.constructor ? result.constructor.name : typeof result;
  return result.map((r) => (Array.isArray(r) ? 'rows' : r && r.constructor ? r.constructor.name : typeof r));
}

(async () => {
  const out = {};
  const admin = await connect(process.env.LASTACCESS_ADMIN, process.env.LASTACCESS_ADMIN_PASSWORD);
  const [gen] = await admin.query('CALL generate_organizations_access_report(?, NULL)', [process.env.LASTACCESS_ROOT]);
  out.generate = shape(gen);
  const jobId = gen[0][0].JobId;
  for (let i = 0; i < 3000; i++) { // the job runs in the background
    const [st] = await admin.query('SELECT JobStatus FROM organizations_access_reports WHERE JobId = ?', [jobId]);
    if (st[0].JobStatus !== 'IN_PROGRESS') break;
    await new Promise((r) => setTimeout(r, 10));
  }

  const reader = await connect(process.env.LASTACCESS_READER, process.env.LASTACCESS_READER_PASSWORD);
  const [get] = await reader.query('CALL get_organizations_access_report(?, 2)', [jobId]);
  out.query = shape(get);
  out.jobStatus = get[0][0].JobStatus;
  const [exec] = await reader.execute('CALL get_organizations_access_report(?, 2)', [jobId]);
  out.execute = shape(exec);
  const [after] = await reader.query('SELECT 1 AS one');
  out.after = after[0].one;
  const [afterExec] = await reader.execute('SELECT ? + 1 AS two', [1]);
  out.afterExecute = afterExec[0].two;

  const multi = await connect(process.env.LASTACCESS_READER, process.env.LASTACCESS_READER_PASSWORD, { multipleStatements: true });
  const [both] = await multi.query('CALL get_organizations_access_report(?, 1); SELECT 7 AS seven', [jobId]);
  out.multi = shape(both);
  out.multiLast = both[2][0].seven;

  try {
    await reader.query("CALL get_organizations_access_report('x')");
  } catch (e) {
    out.error = { errno: e.errno, sqlState: e.sqlState, message: e.sqlMessage };
  }
  const [routines] = await reader.query("SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'lastaccess' ORDER BY 1");
  out.routines = routines.map((r) => r.ROUTINE_NAME);
  const [params] = await reader.query(
    "SELECT PARAMETER_NAME, DATA_TYPE FROM information_schema.PARAMETERS WHERE SPECIFIC_NAME = 'get_organizations_access_report' ORDER BY ORDINAL_POSITION");
  out.parameters = params.map((p) => `${p.PARAMETER_NAME} ${p.DATA_TYPE}`);
  const [status] = await reader.query('SHOW PROCEDURE STATUS');
  out.procedureStatus = status.length;

  for (const c of [admin, reader, multi]) await c.end();
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
