"""PyMySQL against lastaccess serve, for sqlfront's client tests
(TestClientsPyMySQL): prints one JSON object of what the client saw.

The server and accounts come from the environment (LASTACCESS_ADDR,
LASTACCESS_ADMIN, LASTACCESS_ADMIN_PASSWORD, LASTACCESS_READER,
LASTACCESS_READER_PASSWORD, LASTACCESS_ROOT: an entity path), and
LASTACCESS_MAX_PACKET is the server's max_allowed_packet.
"""
import json
import os
import time

import pymysql

host, port = os.environ["LASTACCESS_ADDR"].split(":")


def connect(user, password, **kw):
    return pymysql.connect(host=host, port=int(port), user=user, password=password, database="lastaccess", **kw)


out = {}
admin = connect(os.environ["LASTACCESS_ADMIN"], os.environ["LASTACCESS_ADMIN_PASSWORD"])
reader = connect(os.environ["LASTACCESS_READER"], os.environ["LASTACCESS_READER_PASSWORD"])

cur = admin.cursor()
cur.execute("CALL generate_organizations_access_report(%s, NULL)", (os.environ["LASTACCESS_ROOT"],))
job_id = cur.fetchall()[0][0]
cur.nextset()
for _ in range(3000):  # the job runs in the background
    cur.execute("SELECT JobStatus FROM organizations_access_reports WHERE JobId = %s", (job_id,))
    if cur.fetchall()[0][0] != "IN_PROGRESS":
        break
    time.sleep(0.01)

cur = reader.cursor()
cur.execute("CALL get_organizations_access_report(%s, 2)", (job_id,))
rows = cur.fetchall()
out["jobStatus"] = rows[0][0]
# MySQL ends a CALL's results with an OK packet: a second, empty result.
out["nextset"] = bool(cur.nextset())
out["secondDescription"] = cur.description is None
out["secondRowcount"] = cur.rowcount
out["thirdNextset"] = bool(cur.nextset())
cur.execute("SELECT 1")
out["after"] = cur.fetchall()[0][0]

try:
    cur.execute("CALL get_organizations_access_report('x')")
except pymysql.MySQLError as e:
    out["error"] = [e.args[0], e.args[1][:40]]

cur.execute("SELECT ROUTINE_NAME, SQL_DATA_ACCESS FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'lastaccess' ORDER BY 1")
out["routines"] = [f"{r[0]} {r[1]}" for r in cur.fetchall()]
cur.execute("SHOW PROCEDURE STATUS WHERE Name LIKE 'get%'")
out["procedureStatus"] = sorted(r[1] for r in cur.fetchall())

# A packet over max_allowed_packet (over 16 MiB: several frames): error
# 1153, numbered as the client expects after its last frame.
big = connect(os.environ["LASTACCESS_READER"], os.environ["LASTACCESS_READER_PASSWORD"], max_allowed_packet=1 << 30)
try:
    big.cursor().execute("SELECT LENGTH('" + "a" * (20 << 20) + "')")
except pymysql.MySQLError as e:
    out["oversize"] = [e.args[0], e.args[1]]

for c in (admin, reader):
    c.close()
print(json.dumps(out))
