"""Users shared with Flask-MonitoringDashboard 5.1.0: each side checks the other's password hashes.

usage: python fmd_users_compat.py FMD_BINARY DATABASE [--pg SERVER_URL]

On a copy of DATABASE (a file fmd wrote; with `--pg`, a new database on that PostgreSQL server filled by
`fmd import DATABASE --db URL`, dropped at the end):
  * a user made by `fmd user add NAME --werkzeug` verifies with Werkzeug's check_password_hash, and logs in
    to the real FMD 5.1.0 (pip package flask_monitoringdashboard==5.1.0) through its login form; after
    `fmd user passwd NAME --werkzeug` the new password logs in and the old one does not;
  * a user whose row Python writes with Werkzeug's generate_password_hash(pw, "pbkdf2"), as FMD does,
    verifies with fmd (`fmd user check`, i.e. fmd_core::password::verify) and is listed as `werkzeug pbkdf2`;
  * an Argon2id user (fmd's default) is one FMD cannot check: its login fails (no session).
Prints one line per check; exits 1 on any failure, 2 on bad usage.
"""
import contextlib
import json
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
    if len(args) == 4 and args[2] == "--pg":
        server = args.pop(3)
        args.pop(2)
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = args
    work = tempfile.mkdtemp(prefix="fmd-users-compat-")
    try:
        with contextlib.ExitStack() as stack:
            if server:
                db = stack.enter_context(lib.scratch_database(server, "users"))
                done = subprocess.run([binary, "import", source, "--db", db], capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"FAIL fmd import into PostgreSQL: {done.stderr.strip()}")
                    return 1
                print(f"info fmd import {os.path.basename(source)} into a new PostgreSQL database")
            else:
                db = os.path.join(work, "copy.db")
                with sqlite3.connect(source) as src, sqlite3.connect(db) as dst:
                    src.backup(dst)
            return check_users(binary, db, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_users(binary, db, work):
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FMD_CONFIG", None)

    def fmd(*args, password=None):
        return subprocess.run([binary, "user", *args, "--db", db], input=password, capture_output=True, text=True,
                              env=env)

    failures = 0

    def check(ok, what):
        nonlocal failures
        print(("ok   " if ok else "FAIL ") + what)
        failures += 0 if ok else 1

    from importlib.metadata import version
    from werkzeug.security import check_password_hash, generate_password_hash
    print(f"info Werkzeug {version('werkzeug')}, Flask-MonitoringDashboard {version('flask_monitoringdashboard')}")

    def stored(name):
        rows = lib.execute(db, 'SELECT password_hash FROM "User" WHERE username = ?', (name,))
        return rows[0][0] if rows else None

    # fmd -> Werkzeug.
    first, second = secrets.token_hex(12), secrets.token_hex(12)
    made = fmd("add", "alice", "--admin", "--werkzeug", password=first + "\n")
    check(made.returncode == 0, "fmd user add alice --admin --werkzeug")
    h = stored("alice") or ""
    check(h.startswith("pbkdf2:sha256:1000000$") and len(h) == 103, "stored in Werkzeug 3.1's format")
    check(check_password_hash(h, first), "Werkzeug's check_password_hash accepts alice's password")
    check(not check_password_hash(h, second), "and refuses another")
    made = fmd("add", "carol", password=secrets.token_hex(12) + "\n")
    check(made.returncode == 0, "fmd user add carol (argon2id)")

    # Werkzeug -> fmd: the row FMD itself would write.
    bob = secrets.token_hex(12)
    theirs = generate_password_hash(bob, "pbkdf2")
    print(f"info Werkzeug's pbkdf2 method: {theirs.split('$')[0]}")
    lib.execute(db, 'INSERT INTO "User" (username, password_hash, is_admin) VALUES (?, ?, ?)',
                ("bob", theirs, False))
    check(fmd("check", "bob", password=bob + "\n").returncode == 0, "fmd verifies Werkzeug's hash of bob's password")
    check(fmd("check", "bob", password=bob + "x\n").returncode == 1, "and refuses another")
    listed = fmd("list", "--json")
    users = {u["username"]: u for u in json.loads(listed.stdout or "[]")}
    check(users.get("bob", {}).get("scheme") == "werkzeug pbkdf2" and users.get("carol", {}).get("scheme") == "argon2id"
          and users.get("alice", {}).get("is_admin") is True, "fmd user list: schemes and admin flags")
    check("pbkdf2:sha256" not in listed.stdout and "$argon2" not in listed.stdout, "fmd user list shows no hash")

    # The real FMD's login form.
    cfg = os.path.join(work, "fmd.cfg")
    # USERNAME/PASSWORD only seed an empty User table; this one has users, so they are never used.
    lib.write_fmd_cfg(cfg, db, "seed", secrets.token_hex(16))
    from flask import Flask
    import flask_monitoringdashboard as dashboard
    app = Flask("users-compat")
    dashboard.config.init_from(file=cfg)
    dashboard.bind(app, schedule=False)

    def logs_in(name, password):
        client = app.test_client()
        try:
            client.post("/dashboard/login", data={"name": name, "password": password})
        except ValueError:  # an app in testing mode would raise Werkzeug's "invalid hash method"
            return False
        return client.get("/dashboard/api/overview").status_code == 200

    check(not logs_in("alice", second), "FMD refuses a wrong password (the API needs a session)")
    check(logs_in("alice", first), "FMD 5.1.0 logs alice in with the password given to fmd user add --werkzeug")
    check(logs_in("bob", bob), "FMD logs bob in (its own hash)")
    changed = fmd("passwd", "alice", "--werkzeug", password=second + "\n")
    check(changed.returncode == 0, "fmd user passwd alice --werkzeug")
    check(logs_in("alice", second) and not logs_in("alice", first), "FMD takes the new password, not the old")
    print("info next, FMD prints Werkzeug's error for the argon2id hash (\"Invalid hash method ''\"):")
    check(not logs_in("carol", "whatever it was"), "FMD cannot log in an argon2id user (fmd's default)")
    count = lib.execute(db, 'SELECT count(*) FROM "User" WHERE username = ?', ("seed",))[0][0]
    check(count == 0, "FMD seeded no user of its own into the shared table")
    if lib.is_postgres(db):
        from flask_monitoringdashboard.database import engine
        engine.dispose()

    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
