"""Shared pieces of the two-way checks with Flask-MonitoringDashboard 5.1.0 (see scripts/fmd-compat.sh).

Used by fmd_reads_ours.py, fmd_users_compat.py and fmd_writes_pg.py:
  * `fmd show ... --json` as a function, FMD bound to a database through a config file it reads;
  * `collect_ours` / `collect_theirs`: the week's hourly load, the exception groups and, per endpoint, the
    overview row, the numbers of profiled requests and of outliers, the grouped profiler, the status-code
    summary, users and IPs, from fmd and from FMD's JSON API; `compare` checks one against the other;
  * `fmd web` on a free port, and a client for FMD's routes over HTTP like Flask's test client;
  * PostgreSQL: a scratch database on a server (created, dropped at the end), FMD's SQLAlchemy form of a URL, a
    snapshot of a database (pg_dump of its schema and of its data) to show that viewing changed nothing.
Never prints a database password.
"""
import contextlib
import datetime
import email.utils
import json
import os
import re
import secrets
import sqlite3
import subprocess
import urllib.parse

PG_SCHEMES = ("postgres://", "postgresql://", "postgresql+psycopg2://")


class Checks:
    """Prints one line per check and counts the failures."""

    def __init__(self):
        self.failures = 0

    def check(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        self.failures += 0 if ok else 1
        return ok


def fmd_json(binary, db, *args):
    """`fmd show ARGS --json --db DB --tz UTC`, parsed; FmdFailed (naming no password) when it fails."""
    out = subprocess.run([binary, "show", *args, "--json", "--db", db, "--tz", "UTC"], capture_output=True,
                         text=True, env={**os.environ, "NO_COLOR": "1"})
    if out.returncode != 0:
        raise FmdFailed(f"fmd show {' '.join(args)} --db {redacted(db)}: exit code {out.returncode}: "
                        f"{out.stderr.strip()}")
    try:
        return json.loads(out.stdout)
    except ValueError as e:
        raise FmdFailed(f"fmd show {' '.join(args)} --db {redacted(db)}: not JSON ({e})") from None


class FmdFailed(Exception):
    """A `fmd show` that failed or printed no JSON; the message shows its database without password."""


def close(a, b):
    if a is None or b is None:
        return (a or 0) == (b or 0)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


# --- databases -------------------------------------------------------------------------------------------

def is_postgres(db):
    return db.startswith(PG_SCHEMES)


def libpq_url(url):
    """postgres://… for fmd, pg_dump and psycopg2 (FMD's postgresql+psycopg2:// accepted)."""
    return re.sub(r"^postgresql(\+psycopg2)?://", "postgres://", url)


def sqlalchemy_url(db):
    """The DATABASE value FMD takes: sqlite:///PATH or postgresql+psycopg2://…"""
    if is_postgres(db):
        return re.sub(r"^postgres(ql)?(\+psycopg2)?://", "postgresql+psycopg2://", db)
    return f"sqlite:///{db}"


def redacted(url):
    """The URL without its password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def with_database(url, name):
    """URL naming database NAME, without its password: that goes to $PGPASSWORD, which fmd, pg_dump and
    psycopg2 (so FMD) read, so it is in no command line, config file or message."""
    parts = urllib.parse.urlsplit(libpq_url(url))
    netloc = parts.netloc
    if parts.password is not None:
        os.environ["PGPASSWORD"] = urllib.parse.unquote(parts.password)
        netloc = netloc.replace(":" + parts.password + "@", "@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, path="/" + name))


@contextlib.contextmanager
def scratch_database(server_url, label):
    """A new, empty database on the server of SERVER_URL; yields its postgres:// URL, drops it at the end."""
    import psycopg2
    name = f"fmd_compat_{label}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = psycopg2.connect(libpq_url(server_url))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield with_database(server_url, name)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def execute(db, query, params=()):
    """Runs one statement on a SQLite file or a PostgreSQL URL (`?` placeholders); returns the rows, if any."""
    if is_postgres(db):
        import psycopg2
        conn = psycopg2.connect(libpq_url(db))
        query = query.replace("?", "%s")
    else:
        conn = sqlite3.connect(db)
    try:
        cur = conn.cursor()
        cur.execute(query, params)
        rows = cur.fetchall() if cur.description else []
        conn.commit()
        return rows
    finally:
        conn.close()


def pg_snapshot(url):
    """(schema, data) of a PostgreSQL database as pg_dump prints them, to compare before and after."""
    def dump(*args):
        out = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", *args, "--dbname", libpq_url(url)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"pg_dump {' '.join(args)} {redacted(url)}: {out.stderr.strip()}")
        # pg_dump 15.14+ brackets its output with \restrict KEY / \unrestrict KEY, a new random KEY each time.
        return "".join(line for line in out.stdout.splitlines(keepends=True)
                       if not line.startswith(("\\restrict ", "\\unrestrict ")))

    return dump("--schema-only"), dump("--data-only")


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i + 1}: {x!r} became {y!r}"
    return f"{len(a.splitlines())} lines became {len(b.splitlines())}"


# --- FMD -------------------------------------------------------------------------------------------------

def write_fmd_cfg(path, db, username, password, prefix="", level=0, extra=""):
    """An FMD config file: DATABASE from DB (a SQLite path or a PostgreSQL URL), the login, the level."""
    with open(path, "w") as f:
        f.write(f"[dashboard]\nMONITOR_LEVEL={level}\nENABLE_LOGGING=False\n{extra}[authentication]\n"
                f"USERNAME={username}\nPASSWORD={password}\nSECURITY_TOKEN={secrets.token_hex(16)}\n[database]\n"
                f"DATABASE={sqlalchemy_url(db)}\nTABLE_PREFIX={prefix}\n[visualization]\nTIMEZONE=UTC\n")


FMD_UNORDERED = {"requests": 0, "out_of_order": 0}


def order_fmd_stack_lines():
    """Makes FMD's grouped profiler read each request's stack lines in position order; see FMD_UNORDERED.

    FMD 5.1.0 loads them with `joinedload(Request.stack_lines)` under `ORDER BY Request.id DESC` only (the
    relationship has no order_by) and then walks them as if in position order. SQLite happens to return them
    so; PostgreSQL's sort does not keep any order within one request, and FMD's own grouped profiler then
    merges wrong paths (a bug of FMD's, not of the data: the same rows in SQLite give FMD's right answer). This
    sorts them by position after FMD's query, as FMD means to, and counts how often they were out of order.
    """
    import flask_monitoringdashboard.controllers.profiler as controller
    query = controller.get_grouped_profiled_requests

    def ordered(session, endpoint_id):
        requests = query(session, endpoint_id)
        for r in requests:
            positions = [line.position for line in r.stack_lines]
            FMD_UNORDERED["requests"] += 1
            FMD_UNORDERED["out_of_order"] += positions != sorted(positions)
            r.stack_lines.sort(key=lambda line: line.position)
        return requests

    controller.get_grouped_profiled_requests = ordered


def report_fmd_unordered():
    """One info line: how many of the requests FMD's grouped profiler read had their stack lines out of order."""
    if not FMD_UNORDERED["requests"]:
        return
    print(f"info FMD 5.1.0 read the stack lines of {FMD_UNORDERED['out_of_order']} of {FMD_UNORDERED['requests']} "
          "profiled requests out of position order from PostgreSQL (its bug: no ORDER BY); sorted by position "
          "for the grouped profiler's comparison")


class HttpClient:
    """FMD's routes over HTTP (a running `fmd web`), with the test client's get / post / get_json."""

    class Answer:
        def __init__(self, response):
            self.status_code = response.status_code
            self._response = response

        def get_json(self):
            return self._response.json()

    def __init__(self, base):
        import requests
        self.base = base
        self.session = requests.Session()

    def get(self, path):
        return self.Answer(self.session.get(self.base + path, timeout=60))

    def post(self, path, data):
        return self.Answer(self.session.post(self.base + path, data=data, timeout=60))


@contextlib.contextmanager
def fmd_web(binary, db):
    """`fmd web --db DB` on a free loopback port while the block runs; yields its base URL."""
    import socket
    import time
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "web", "--db", db, "--tz", "UTC", "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"fmd web ended: {proc.stderr.read().strip()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("fmd web did not listen within 60 s")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def login(client, name, password):
    """Logs in through FMD's form; True when its API then answers."""
    client.post("/dashboard/login", data={"name": name, "password": password})
    return client.get("/dashboard/api/overview").status_code == 200


# --- the views compared ----------------------------------------------------------------------------------

def collect_ours(binary, db):
    """fmd's answers: {"endpoints": per endpoint name its overview row, num_profiled, grouped profiler,
    num_outliers and status codes; "exceptions": exception_groups_ours}."""
    out = {}
    for e in fmd_json(binary, db, "overview"):
        name = e["name"]
        row = {"overview": e,
               "num_profiled": fmd_json(binary, db, "profiler", "--endpoint", name)["num_profiled"],
               "num_outliers": fmd_json(binary, db, "outliers", "--endpoint", name)["num_outliers"],
               "status": fmd_json(binary, db, "status-codes", "--endpoint", name),
               "users": fmd_json(binary, db, "users", "--endpoint", name),
               "ips": fmd_json(binary, db, "ips", "--endpoint", name)}
        row["grouped"] = fmd_json(binary, db, "grouped-profiler", "--endpoint", name) if row["num_profiled"] else []
        out[name] = row
    return {"endpoints": out, "exceptions": exception_groups_ours(binary, db),
            "hourly": fmd_json(binary, db, "hourly")}


def exception_groups_ours(binary, db):
    """fmd's exception groups: (endpoint, type, message, count, first, latest) per group, sorted."""
    return sorted((g["endpoint"], g["type"], g["message"], g["count"], _instant(g["first_timestamp"]),
                   _instant(g["latest_timestamp"])) for g in fmd_json(binary, db, "exceptions", "--limit", "100000"))


def exception_groups_theirs(client):
    """FMD's /api/exception_occurrence, shaped as exception_groups_ours'."""
    return sorted((g["endpoint"], g["type"], g["message"], g["count"], _instant(g["first_timestamp"]),
                   _instant(g["latest_timestamp"]))
                  for g in client.get("/dashboard/api/exception_occurrence/0/1000").get_json())


def same_exception_groups(ours, theirs):
    """The same groups and counts, first and latest occurrence within a second."""
    return len(ours) == len(theirs) and all(
        a[:4] == b[:4] and _near(a[4], b[4]) and _near(a[5], b[5]) for a, b in zip(ours, theirs))


def _instant(text):
    """An RFC 3339 instant (fmd) or an HTTP date (FMD's JSON) as an aware datetime; None stays None."""
    if not text:
        return None
    if text[:4].isdigit():
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return email.utils.parsedate_to_datetime(text)


def _near(a, b):
    return (a is None and b is None) or (a is not None and b is not None and abs((a - b).total_seconds()) < 1)


def collect_theirs(client):
    """FMD's answers through its JSON API (a logged-in test client), shaped as collect_ours'."""
    out = {}
    for e in client.get("/dashboard/api/overview").get_json():
        eid = e["id"]
        row = {"overview": e,
               "num_profiled": client.get(f"/dashboard/api/num_profiled/{eid}").get_json(),
               "num_outliers": client.get(f"/dashboard/api/num_outliers/{eid}").get_json(),
               "status": client.get(f"/dashboard/api/endpoint_status_code_summary/{eid}").get_json(),
               "users": client.get(f"/dashboard/api/users/{eid}").get_json(),
               "ips": client.get(f"/dashboard/api/ip/{eid}").get_json()}
        row["grouped"] = client.get(f"/dashboard/api/grouped_profiler/{eid}").get_json() if row[
            "num_profiled"] else []
        out[e["name"]] = row
    today = datetime.datetime.now(datetime.timezone.utc).date()  # FMD's TIMEZONE is UTC here, as fmd's --tz
    week = f"{(today - datetime.timedelta(days=6)).isoformat()}/{today.isoformat()}"
    return {"endpoints": out, "exceptions": exception_groups_theirs(client),
            "hourly": client.get(f"/dashboard/api/hourly_load/{week}").get_json()}


def compare(all_ours, all_theirs, checks):
    """Checks every endpoint fmd lists against FMD's answers for it, and the exception groups."""
    ours, theirs = all_ours["endpoints"], all_theirs["endpoints"]
    h_ours, h_theirs = all_ours["hourly"], all_theirs["hourly"]
    checks.check(h_ours["days"] == h_theirs["days"] and h_ours["data"] == h_theirs["data"],
                 f"hourly load of the 7 days {h_ours['days'][0]}..{h_ours['days'][-1]}: "
                 f"{sum(map(sum, h_ours['data']))} requests")
    groups = all_ours["exceptions"]
    checks.check(same_exception_groups(groups, all_theirs["exceptions"]),
                 f"exception groups: {len(groups)} with {sum(g[3] for g in groups)} occurrences, first and latest")
    checks.check(set(ours) <= set(theirs), f"FMD lists all {len(ours)} endpoints of fmd's overview")
    for name, o in sorted(ours.items()):
        t = theirs.get(name)
        if t is None:
            checks.check(False, f"FMD has no endpoint {name}")
            continue
        e, te = o["overview"], t["overview"]
        # FMD 5.1.0 leaves hits-overall-errors out (None); fmd fills it.
        counts = [k for k in e if k.startswith("hits-") and te.get(k) is not None]
        same_counts = all(e[k] == te.get(k) for k in counts)
        same_medians = all(close(e[k], te.get(k)) for k in ("median-today", "median-week", "median-overall"))
        same_time = _near(_instant(te.get("last-accessed")), _instant(e.get("last-accessed")))
        checks.check(same_counts and same_medians and same_time and te.get("monitor") == e["monitor"],
                     f"overview {name}: hits {e.get('hits-overall')}, medians, last access, level")
        checks.check(t["num_profiled"] == o["num_profiled"], f"num_profiled {name}: {o['num_profiled']}")
        if o["num_profiled"] or t["num_profiled"]:
            g_theirs, g_ours = t["grouped"], o["grouped"]
            same = len(g_theirs) == len(g_ours) and all(
                a["code"] == b["code"] and a["indent"] == b["indent"] and a["hits"] == b["hits"]
                and a["total_hits"] == b["total_hits"] and close(a["duration"], b["duration"])
                and close(a["std"], b["std"]) for a, b in zip(g_theirs, g_ours))
            checks.check(same, f"grouped profiler {name}: {len(g_ours)} rows in the same order and values")
        checks.check(t["num_outliers"] == o["num_outliers"], f"num_outliers {name}: {o['num_outliers']}")
        for key, what in (("users", "user"), ("ips", "ip")):
            checks.check(_hits(o[key], what) == _hits(t[key], what), f"{key} {name}: {len(o[key])}")
        checks.check(json.dumps(t["status"], sort_keys=True) == json.dumps(o["status"], sort_keys=True)
                     or _status_equal(t["status"], o["status"]), f"status codes {name}")


def _hits(rows, key):
    """[{KEY, hits}] as a set of pairs (the order of equal counts is either side's own)."""
    return {(str(r[key]), r["hits"]) for r in rows}


def _status_equal(theirs, ours):
    """FMD answers {"distribution": {code: n}, "error_requests": [...]}; compare the distribution."""
    try:
        a = {str(k): v for k, v in theirs["distribution"].items()}
        b = {str(k): v for k, v in ours["distribution"].items()}
        return a == b
    except (KeyError, TypeError, AttributeError):
        return False
