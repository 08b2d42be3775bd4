"""Flask-MonitoringDashboard 5.1.0 writes a PostgreSQL database, and fmd answers what FMD's API answers.

usage: python fmd_writes_pg.py FMD_BINARY SERVER_URL [REQUESTS [TABLE_PREFIX]]

On a new database on the PostgreSQL server of SERVER_URL (postgres://user@host:port/db; dropped at the end):
  * a Flask app of its own, monitored by the real FMD (pip package flask_monitoringdashboard==5.1.0, through
    psycopg2) at level 3, so FMD creates its schema there and records requests, outliers, profiles (stack
    lines), exceptions (uncaught and captured) and several status codes, from REQUESTS (default 200) requests
    of a seeded mix sent through Flask's test client, grouped by an X-User header, from a few client
    addresses, in FMD's tables with TABLE_PREFIX (default none; fmd finds it by itself);
  * `fmd show ... --json --db URL` answers what FMD's JSON API answers (fmd_compat_lib.compare: the overview,
    the week's hourly load, the exception groups and, per endpoint, the numbers of profiled requests and of
    outliers, the grouped profiler, status codes, users and IPs);
  * `fmd web --db URL` logs in FMD's admin (FMD's own Werkzeug hash) and its FMD-compatible API answers what
    FMD's answers, the same checks;
  * viewing the database with fmd (those views, every other `fmd show` view of all endpoints and of the
    busiest endpoint, and fmd web) changed nothing in it: its pg_dump, schema and data, is the same before and
    after;
  * a user added by `fmd user add NAME --werkzeug --db URL` logs in to FMD on that database.
Prints one line per check; exits 1 on any difference, 2 on bad usage.
"""
import atexit
import hashlib
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import fmd_compat_lib as lib

USERS = ["ann", "ben", "cas", "dee"]


def main(argv):
    if len(argv) not in (2, 3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    binary, server = argv[0], argv[1]
    n = int(argv[2]) if len(argv) >= 3 else 200
    prefix = argv[3] if len(argv) == 4 else ""
    work = tempfile.mkdtemp(prefix="fmd-writes-pg-")
    try:
        with lib.scratch_database(server, "theirs") as db:
            return run(binary, db, n, prefix, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def burn(ms):
    """Busy for MS milliseconds, so FMD's sampling profiler sees this frame."""
    end = time.perf_counter() + ms / 1000.0
    h = b"fmd"
    while time.perf_counter() < end:
        h = hashlib.sha256(h).digest()
    return h


def make_app(dashboard):
    from flask import Flask, abort, request
    app = Flask("fmd-writes-pg")
    app.logger.disabled = True  # the /fail endpoint's tracebacks are expected
    dashboard.config.group_by = lambda: request.headers.get("X-User", "nobody")

    @app.route("/")
    def home():
        return "home"

    @app.route("/items/<int:n>")
    def item(n):
        time.sleep(0.001)
        if n % 13 == 0:
            abort(404)
        return {"n": n}

    @app.route("/search")
    def search():
        # A slow query now and then: FMD marks requests over 2.5x the endpoint's mean as outliers.
        burn(1.5 + (25 if request.args.get("q") == "slow" else 0))
        return {"q": request.args.get("q")}

    @app.route("/render")
    def render():
        def fetch():
            return burn(6)

        def layout():
            return burn(3)

        fetch()
        layout()
        return "rendered"

    @app.route("/store", methods=["POST"])
    def store():
        return ("too large", 413) if len(request.get_data()) > 500 else ("stored", 201)

    @app.route("/fail")
    def fail():
        raise KeyError("fail always fails")

    @app.route("/parse")
    def parse():
        try:
            int(request.args.get("v", "x"))
        except ValueError as e:
            dashboard.capture(e)
            return "not a number", 400
        return "a number"

    return app


def wait_for_fmd():
    """FMD writes each request from threads of its own after the response: wait for them."""
    for t in threading.enumerate():
        if t is not threading.main_thread():
            t.join(timeout=10)


def drive(client, n, seed):
    rnd = random.Random(seed)
    for _ in range(n):
        h = {"X-User": rnd.choice(USERS)}
        # The client's address, as FMD reads it (REMOTE_ADDR), one of a few per run.
        client.environ_base["REMOTE_ADDR"] = f"10.1.{rnd.randint(0, 1)}.{rnd.randint(1, 3)}"
        r = rnd.random()
        if r < 0.2:
            client.get("/", headers=h)
        elif r < 0.45:
            client.get(f"/items/{rnd.randint(1, 100)}", headers=h)
        elif r < 0.65:
            client.get("/search", query_string={"q": "slow" if rnd.random() < 0.08 else "fast"}, headers=h)
        elif r < 0.77:
            client.get("/render", headers=h)
        elif r < 0.87:
            client.post("/store", data=b"x" * rnd.choice([20, 200, 2000]), headers=h)
        elif r < 0.93:
            client.get("/fail", headers=h)
            # FMD 5.1.0's exception writers race each other on PostgreSQL (a unique violation on "FilePath"
            # or "StackTraceSnapshot" loses that occurrence): one at a time.
            wait_for_fmd()
        else:
            client.get("/parse", query_string={"v": rnd.choice(["7", "seven"])}, headers=h)
            wait_for_fmd()


# Every other `fmd show` view, run once each on FMD's database (per endpoint: on the busiest) to show that
# reading it writes nothing.
ALL_ENDPOINTS_VIEWS = [["hourly"], ["daily"], ["versions"], ["api-performance"], ["status-codes"], ["latency"],
                       ["report"], ["report", "--preset", "week"], ["graphs"], ["exceptions"]]
PER_ENDPOINT_VIEWS = [["endpoint"], ["latency"], ["users"], ["ips"], ["user-versions"], ["ip-versions"],
                      ["requests"], ["versions"], ["outliers"], ["profiler"], ["exceptions"]]


def run(binary, db, n, prefix, work):
    checks = lib.Checks()
    password = secrets.token_hex(16)
    cfg = os.path.join(work, "fmd.cfg")
    lib.write_fmd_cfg(cfg, db, "admin", password, prefix=prefix, level=3,
                      extra="OUTLIER_DETECTION_CONSTANT=2.5\nSAMPLING_RATE=2\nAPP_VERSION=2.0\n")

    import flask_monitoringdashboard as dashboard
    dashboard.config.init_from(file=cfg)
    app = make_app(dashboard)
    dashboard.bind(app, schedule=False)
    client = app.test_client()

    started = time.monotonic()
    drive(client, n, seed=14)
    # Then the endpoints' last access, which FMD keeps in memory until its process ends.
    wait_for_fmd()
    from flask_monitoringdashboard.core.cache import flush_cache
    flush_cache()
    atexit.unregister(flush_cache)  # the database is gone by then
    print(f"info FMD 5.1.0 monitored {n} requests into a new PostgreSQL database "
          f"({time.monotonic() - started:.1f} s)", flush=True)
    counts = {table: lib.execute(db, f'SELECT count(*) FROM "{prefix}{table}"')[0][0]
              for table in ("Request", "Outlier", "StackLine", "ExceptionOccurrence")}
    print("info FMD wrote " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    checks.check(counts["Request"] == n and all(counts.values()),
                 "FMD recorded every request, with outliers, stack lines and exceptions")

    if shutil.which("pg_dump") is None:
        checks.check(False, "pg_dump (postgresql-client) is needed to compare the database before and after")
        return 1
    # FMD's first login adds its admin to the empty User table (and its API its TelemetryUser row): before.
    if not checks.check(lib.login(client, "admin", password), "FMD logs its admin in"):
        return 1
    before = lib.pg_snapshot(db)
    ours = lib.collect_ours(binary, db)
    busiest = max(ours["endpoints"], key=lambda name: ours["endpoints"][name]["overview"]["hits-overall"])
    failed = []
    for view in ALL_ENDPOINTS_VIEWS + [v + ["--endpoint", busiest] for v in PER_ENDPOINT_VIEWS]:
        try:
            lib.fmd_json(binary, db, *view)
        except lib.FmdFailed as e:
            failed.append(str(e))
    checks.check(not failed, f"every fmd show view reads FMD's database ({'; '.join(failed) or 'no error'})")
    # fmd web: FMD's admin logs in (FMD's own hash), and its FMD-compatible API is read.
    web = None
    try:
        with lib.fmd_web(binary, db) as base:
            http = lib.HttpClient(base)
            if checks.check(lib.login(http, "admin", password), "fmd web logs in FMD's admin (FMD's hash)"):
                web = lib.collect_theirs(http)
    except RuntimeError as e:
        checks.check(False, str(e))
    after = lib.pg_snapshot(db)
    checks.check(before[0] == after[0], "fmd show and fmd web left FMD's schema as it was (pg_dump --schema-only)"
                 + ("" if before[0] == after[0] else ": " + lib.first_difference(before[0], after[0])))
    checks.check(before[1] == after[1], "and its data (pg_dump --data-only)"
                 + ("" if before[1] == after[1] else ": " + lib.first_difference(before[1], after[1])))

    lib.order_fmd_stack_lines()
    theirs = lib.collect_theirs(client)
    lib.report_fmd_unordered()
    print("info fmd show --json beside FMD's API")
    lib.compare(ours, theirs, checks)
    if web is not None:
        print("info fmd web's API (FMD's routes) beside FMD's API")
        lib.compare(web, theirs, checks)

    # fmd's users in FMD's own table.
    carol = secrets.token_hex(12)
    made = subprocess.run([binary, "user", "add", "carol", "--werkzeug", "--db", db], input=carol + "\n",
                          capture_output=True, text=True)
    checks.check(made.returncode == 0, "fmd user add carol --werkzeug into FMD's database" +
                 ("" if made.returncode == 0 else f": {made.stderr.strip()}"))
    checks.check(lib.login(app.test_client(), "carol", carol), "FMD logs carol in")
    checks.check(not lib.login(app.test_client(), "carol", carol + "x"), "and refuses another password")

    from flask_monitoringdashboard.database import engine
    engine.dispose()
    print(f"{checks.failures} difference(s)")
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
