"""Flask-MonitoringDashboard 5.1.0 reads a database that fmd wrote, and answers what `fmd show` answers.

usage: python fmd_reads_ours.py FMD_BINARY DATABASE [TABLE_PREFIX]

Binds the real FMD (pip package flask_monitoringdashboard==5.1.0) to an empty Flask app on a copy of
DATABASE, logs in through its web UI and reads its JSON API: the overview and, per endpoint, the grouped
profiler, the numbers of profiled requests and of outliers, and the status-code summary. Compares each with `fmd show ... --json`
on the same copy. Prints one line per check; exits 1 on any difference, 2 on bad usage.
"""
import datetime
import email.utils
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile


def fmd_json(binary, db, *args):
    out = subprocess.run([binary, "show", *args, "--json", "--db", db, "--tz", "UTC"], check=True,
                         capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    return json.loads(out.stdout)


def close(a, b):
    if a is None or b is None:
        return (a or 0) == (b or 0)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = sys.argv[1], sys.argv[2]
    prefix = sys.argv[3] if len(sys.argv) == 4 else ""
    work = tempfile.mkdtemp(prefix="fmd-compat-")
    db = os.path.join(work, "copy.db")
    with sqlite3.connect(source) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    password = secrets.token_hex(16)
    cfg = os.path.join(work, "fmd.cfg")
    with open(cfg, "w") as f:
        f.write(f"[dashboard]\nMONITOR_LEVEL=0\nENABLE_LOGGING=False\n[authentication]\nUSERNAME=compat\n"
                f"PASSWORD={password}\nSECURITY_TOKEN={secrets.token_hex(16)}\n[database]\n"
                f"DATABASE=sqlite:///{db}\nTABLE_PREFIX={prefix}\n[visualization]\nTIMEZONE=UTC\n")

    from flask import Flask
    import flask_monitoringdashboard as dashboard
    app = Flask("compat")
    dashboard.config.init_from(file=cfg)
    dashboard.bind(app, schedule=False)
    client = app.test_client()
    login = client.post("/dashboard/login", data={"name": "compat", "password": password})
    if login.status_code not in (200, 302):
        print(f"FAIL FMD login answered {login.status_code}")
        return 1

    failures = 0

    def check(ok, what):
        nonlocal failures
        print(("ok   " if ok else "FAIL ") + what)
        failures += 0 if ok else 1

    theirs = {e["name"]: e for e in client.get("/dashboard/api/overview").get_json()}
    ours = {e["name"]: e for e in fmd_json(binary, db, "overview")}
    check(set(ours) <= set(theirs), f"FMD lists all {len(ours)} endpoints of fmd's overview")
    for name, e in sorted(ours.items()):
        t = theirs.get(name, {})
        # FMD 5.1.0 leaves hits-overall-errors out (None); fmd fills it.
        counts = [k for k in e if k.startswith("hits-") and t.get(k) is not None]
        same_counts = all(e[k] == t.get(k) for k in counts)
        same_medians = all(close(e[k], t.get(k)) for k in ("median-today", "median-week", "median-overall"))
        when_t = email.utils.parsedate_to_datetime(t["last-accessed"]) if t.get("last-accessed") else None
        when_o = datetime.datetime.fromisoformat(e["last-accessed"].replace("Z", "+00:00")) if e.get(
            "last-accessed") else None
        same_time = (when_t is None and when_o is None) or (
            when_t is not None and when_o is not None and abs((when_t - when_o).total_seconds()) < 1)
        check(same_counts and same_medians and same_time and t.get("monitor") == e["monitor"],
              f"overview {name}: hits {e.get('hits-overall')}, medians, last access, level")

        eid = t.get("id")
        if eid is None:
            continue
        n_theirs = client.get(f"/dashboard/api/num_profiled/{eid}").get_json()
        n_ours = fmd_json(binary, db, "profiler", "--endpoint", name)["num_profiled"]
        check(n_theirs == n_ours, f"num_profiled {name}: {n_ours}")
        if n_ours:
            g_theirs = client.get(f"/dashboard/api/grouped_profiler/{eid}").get_json()
            g_ours = fmd_json(binary, db, "grouped-profiler", "--endpoint", name)
            same = len(g_theirs) == len(g_ours) and all(
                a["code"] == b["code"] and a["indent"] == b["indent"] and a["hits"] == b["hits"]
                and a["total_hits"] == b["total_hits"] and close(a["duration"], b["duration"])
                and close(a["std"], b["std"]) for a, b in zip(g_theirs, g_ours))
            check(same, f"grouped profiler {name}: {len(g_ours)} rows in the same order and values")
        o_theirs = client.get(f"/dashboard/api/num_outliers/{eid}").get_json()
        o_ours = fmd_json(binary, db, "outliers", "--endpoint", name)["num_outliers"]
        check(o_theirs == o_ours, f"num_outliers {name}: {o_ours}")
        s_theirs = client.get(f"/dashboard/api/endpoint_status_code_summary/{eid}").get_json()
        s_ours = fmd_json(binary, db, "status-codes", "--endpoint", name)
        check(json.dumps(s_theirs, sort_keys=True) == json.dumps(s_ours, sort_keys=True)
              or _status_equal(s_theirs, s_ours), f"status codes {name}")

    shutil.rmtree(work, ignore_errors=True)
    print(f"{failures} difference(s)")
    return 1 if failures else 0


def _status_equal(theirs, ours):
    """FMD answers {"distribution": {code: n}, "error_requests": [...]}; compare the distribution."""
    try:
        a = {str(k): v for k, v in theirs["distribution"].items()}
        b = {str(k): v for k, v in ours["distribution"].items()}
        return a == b
    except (KeyError, TypeError, AttributeError):
        return False


if __name__ == "__main__":
    sys.exit(main())
