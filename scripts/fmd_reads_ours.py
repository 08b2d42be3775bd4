"""Flask-MonitoringDashboard 5.1.0 reads a database that fmd wrote, and answers what `fmd show` answers.

usage: python fmd_reads_ours.py FMD_BINARY DATABASE [TABLE_PREFIX] [--pg SERVER_URL]

Binds the real FMD (pip package flask_monitoringdashboard==5.1.0) to an empty Flask app on a copy of
DATABASE (a SQLite file fmd wrote), logs in through its web UI and reads its JSON API: the overview, the
week's hourly load, the exception groups and, per endpoint, the grouped profiler, the numbers of profiled
requests and of outliers, the status-code summary, users and IPs (fmd_compat_lib.compare). Compares each with `fmd show ... --json` on the same copy. With `--pg SERVER_URL` (postgres://user@host:port/db)
the copy is a new database on that PostgreSQL server, filled by `fmd import DATABASE --db URL` and dropped at the
end; FMD reads it through psycopg2. Prints one line per check; exits 1 on any difference, 2 on bad usage.
"""
import contextlib
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import fmd_compat_lib as lib


def main(argv):
    args = list(argv)
    server = None
    if "--pg" in args:
        i = args.index("--pg")
        server = args[i + 1] if i + 1 < len(args) else None
        del args[i:i + 2]
        if not server:
            print(__doc__, file=sys.stderr)
            return 2
    if len(args) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = args[0], args[1]
    prefix = args[2] if len(args) == 3 else ""
    work = tempfile.mkdtemp(prefix="fmd-compat-")
    try:
        with contextlib.ExitStack() as stack:
            if server:
                db = stack.enter_context(lib.scratch_database(server, "ours"))
                cmd = [binary, "import", source, "--db", db]
                if prefix:
                    cmd += ["--table-prefix", prefix]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"FAIL fmd import into PostgreSQL: {done.stderr.strip()}")
                    return 1
                print(f"info fmd import {os.path.basename(source)} into a new PostgreSQL database")
            else:
                db = os.path.join(work, "copy.db")
                with sqlite3.connect(source) as src, sqlite3.connect(db) as dst:
                    src.backup(dst)
            return compare_on(binary, db, prefix, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare_on(binary, db, prefix, work):
    password = secrets.token_hex(16)
    cfg = os.path.join(work, "fmd.cfg")
    lib.write_fmd_cfg(cfg, db, "compat", password, prefix=prefix)

    from flask import Flask
    import flask_monitoringdashboard as dashboard
    app = Flask("compat")
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
        from flask_monitoringdashboard.database import engine
        engine.dispose()
    print(f"{checks.failures} difference(s)")
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
