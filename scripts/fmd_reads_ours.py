"""Flask-MonitoringDashboard 5.1.0 reads a database that fmd wrote, and answers what `fmd show` answers.

usage: python fmd_reads_ours.py FMD_BINARY (DATABASE | --generate N) [TABLE_PREFIX] [--pg SERVER_URL]

Binds the real FMD (pip package flask_monitoringdashboard==5.1.0) to a Flask app on a copy of DATABASE (a
SQLite file fmd wrote), logs in through its web UI and reads its JSON API: the overview, the week's hourly
load, the exception groups and, per endpoint, the grouped profiler, the numbers of profiled requests and of
outliers, the status-code summary, users and IPs (fmd_compat_lib.compare). Compares each with
`fmd show ... --json` on the same copy. Then FMD records a few requests of its own into the copy (its app's
one endpoint, at level 1), and fmd counts them.

With `--pg SERVER_URL` (postgres://user@host:port/db) the copy is a new database on that PostgreSQL server,
filled by `fmd import DATABASE --db URL` and dropped at the end; FMD reads and writes it through psycopg2.
With `--generate N` the copy (a file, or with --pg that database) is filled by `fmd generate --requests N`
instead. Prints one line per check; exits 1 on any difference, 2 on bad usage.
"""
import argparse
import atexit
import contextlib
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading

import fmd_compat_lib as lib


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("database", nargs="?")
    parser.add_argument("prefix", nargs="?", default="")
    parser.add_argument("--pg", metavar="SERVER_URL")
    parser.add_argument("--generate", metavar="N", type=int)
    args = parser.parse_args(argv)
    if (args.database is None) == (args.generate is None):
        parser.error("give DATABASE or --generate N")
    work = tempfile.mkdtemp(prefix="fmd-compat-")
    try:
        with contextlib.ExitStack() as stack:
            db = stack.enter_context(lib.scratch_database(args.pg, "ours")) if args.pg else os.path.join(
                work, "copy.db")
            where = "a new PostgreSQL database" if args.pg else "a new SQLite file"
            prefix = ["--table-prefix", args.prefix] if args.prefix else []
            if args.generate is not None:
                # Three days up to now, so the week's and today's numbers differ.
                cmd = [args.binary, "generate", "--db", db, "--requests", str(args.generate), "--days", "3",
                       "--seed", "14", *prefix]
                what = f"fmd generate --requests {args.generate} into {where}"
            elif args.pg:
                cmd = [args.binary, "import", args.database, "--db", db, *prefix]
                what = f"fmd import {os.path.basename(args.database)} into {where}"
            else:
                cmd = None
                with sqlite3.connect(args.database) as src, sqlite3.connect(db) as dst:
                    src.backup(dst)
            if cmd:
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"FAIL {what}: {done.stderr.strip()}")
                    return 1
                print(f"info {what}")
            return compare_on(args.binary, db, args.prefix, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare_on(binary, db, prefix, work):
    password = secrets.token_hex(16)
    cfg = os.path.join(work, "fmd.cfg")
    # Level 1 for the one endpoint of this app (new in the database); the others keep their stored levels.
    lib.write_fmd_cfg(cfg, db, "compat", password, prefix=prefix, level=1)

    from flask import Flask
    import flask_monitoringdashboard as dashboard
    app = Flask("compat")

    @app.route("/fmd-compat-ping")
    def fmd_compat_ping():
        return "pong"

    dashboard.config.init_from(file=cfg)
    dashboard.bind(app, schedule=False)
    if lib.is_postgres(db):
        lib.order_fmd_stack_lines()
    client = app.test_client()
    if not lib.login(client, "compat", password):
        print("FAIL FMD login")
        return 1

    checks = lib.Checks()
    ours = lib.collect_ours(binary, db)
    theirs = lib.collect_theirs(client)
    lib.compare(ours, theirs, checks)
    if lib.is_postgres(db):
        lib.report_fmd_unordered()

    # FMD writes into the database fmd wrote (its ids after fmd's: on PostgreSQL, sequences past the rows
    # fmd import / generate wrote), and fmd sees those requests.
    pings = 5
    for _ in range(pings):
        client.get("/fmd-compat-ping")
    for t in threading.enumerate():
        if t is not threading.main_thread():
            t.join(timeout=10)
    overview = {e["name"]: e for e in lib.fmd_json(binary, db, "overview")}
    hits = overview.get("fmd_compat_ping", {}).get("hits-overall")
    checks.check(hits == pings, f"FMD recorded {pings} requests into fmd's database, fmd counts {hits}")
    from flask_monitoringdashboard.core.cache import flush_cache
    flush_cache()  # FMD's last access times, else written at exit (on PostgreSQL the database is gone by then)
    atexit.unregister(flush_cache)
    if lib.is_postgres(db):
        from flask_monitoringdashboard.database import engine
        engine.dispose()
    print(f"{checks.failures} difference(s)")
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
