"""The Rantboard benchmark: build a board-sized database, serve it with gunicorn and the production settings, drive
load with wrk from a separate process, and report requests/s and latency per page, each as a ratio to a trivial view
served by the same stack in the same run.

    python bench/run.py --mode quick            # a smoke run: small database, short runs, SQLite
    python bench/run.py --mode full             # the figures: 20,000 stories, 500,000 comments, SQLite and PostgreSQL

Everything listens on 127.0.0.1 only and stops by itself. Results go to bench/results/ (JSON and Markdown).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import chart  # bench/chart.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results"
PAGES = ["trivial", "front", "story_200", "story_1000", "region", "nic", "feed", "search"]

# `seconds` is one run of wrk; each page is loaded in `rounds` such runs, interleaved with the trivial view (see
# between_trivial_runs), so a page's figure is 12 s of load in the full mode, taken as three 4 s looks.
MODES = {
    "quick": {
        "stories": 300, "comments": 8000, "small": (30, 3000), "seconds": 2, "rounds": 2, "dbs": ["sqlite"],
        "post_seconds": 5,
    },
    "full": {
        "stories": 20000, "comments": 500000, "small": (200, 5000), "seconds": 4, "rounds": 3,
        "dbs": ["sqlite", "postgres"], "post_seconds": 20,
    },
}  # fmt: skip


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def base_env(database_url: str, *, page_cache: bool, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PAGE_CACHE", "COMMENT_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="rantboard.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=BENCH_SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_HTTPS="0",
        DATABASE_URL=database_url,
        PAGE_CACHE_SECONDS="60" if page_cache else "0",
        REDIS_URL=REDIS_URL,
        STATIC_ROOT=static_root,
        CACHE_DIR=str(Path(static_root).parent / "cache"),
        COUNTERS_DIR=str(Path(static_root).parent / "counters"),
        # Every defence stays on; the limits are raised so the posting run measures the board, not the limiter.
        COMMENT_MIN_SECONDS="0",
        COMMENT_RATE_PER_MINUTE="1000000",
        COMMENT_RATE_PER_HOUR="10000000",
    )
    return env


BENCH_SECRET = secrets.token_urlsafe(50)
# The shared cache of a multi-server deployment; without it the run uses the one-machine file cache.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def run(cmd: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kwargs)


# PostgreSQL's Unix socket on Debian. Everything here runs on one machine, and a one-machine deployment connects
# through the socket (docs/scaling.md): the story page's reads cost PostgreSQL 0.1-0.35 ms (of 1.5-2) less CPU than
# over loopback TCP. Where there is no socket (or with BENCH_PG_ADMIN_URL) the run uses TCP.
PG_SOCKET_DIR = Path("/var/run/postgresql")


def pg_admin_url() -> str:
    """The URL of the PostgreSQL database the run creates its own databases from."""
    if os.environ.get("BENCH_PG_ADMIN_URL"):
        return os.environ["BENCH_PG_ADMIN_URL"]
    if (PG_SOCKET_DIR / ".s.PGSQL.5432").exists():
        return f"postgres://postgres@{urllib.parse.quote(str(PG_SOCKET_DIR), safe='')}/postgres"
    return "postgres://postgres@127.0.0.1:5432/postgres"


def prepare_database(kind: str, stories: int, comments: int, workdir: Path, label: str) -> tuple[str, dict]:
    if kind == "sqlite":
        path = workdir / f"{label}.sqlite3"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        name = f"rantboard_bench_{label}"
        admin = pg_admin_url()
        import psycopg2

        conn = psycopg2.connect(admin)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        url = admin.rsplit("/", 1)[0] + f"/{name}"
    env = base_env(url, page_cache=False, static_root=str(workdir / "static"))
    log(f"{kind}/{label}: migrating")
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    log(f"{kind}/{label}: filling {stories:,} stories and {comments:,} comments")
    manifest_path = workdir / f"{label}-{kind}.json"
    run([PYTHON, "bench/populate.py", "--stories", str(stories), "--comments", str(comments),
         "--manifest", str(manifest_path)], env)  # fmt: skip
    return url, json.loads(manifest_path.read_text())


def settle(kind: str, url: str) -> None:
    """Have PostgreSQL write out what the previous phase left in its buffers (the fill, the posting runs), so that the
    next phase is not measured while the database's background writer shares the CPU."""
    if kind == "postgres":
        import psycopg2

        conn = psycopg2.connect(url)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("CHECKPOINT")
        conn.close()


class Server:
    """gunicorn with the production settings on 127.0.0.1, stopped when the block ends."""

    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.env, self.port, self.workers = env, port, workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "rantboard.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--worker-class", "sync", "--log-level", "warning"],
            cwd=ROOT, env=self.env, start_new_session=True,
        )  # fmt: skip
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/livez", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def worker_rss_mb(self) -> float:
        """Mean resident memory of the worker processes."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        sizes = []
        for pid in children:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return round(sum(sizes) / len(sizes), 1) if sizes else 0.0


def wrk(url: str, seconds: int, connections: int, header: str = "", paths: str = "", warm: bool = True) -> dict:
    """One run of wrk against `url`, after a 1 s warm-up unless `warm` is false (the page was loaded moments ago).
    Every request says it comes from a browser, so story pages count it as a view (wrk would be taken for a robot)."""
    env = {**os.environ, "BENCH_HEADER": f"User-Agent: {BROWSER_AGENT}\n{header}", "BENCH_PATHS": paths}
    if warm:
        subprocess.run(
            ["wrk", "-t1", "-c", str(connections), "-d", "1s", "-s", "bench/report.lua", url],
            cwd=ROOT, env=env, capture_output=True, check=True,
        )  # fmt: skip
    before = os.times()
    out = subprocess.run(
        ["wrk", "-t1", "-c", str(connections), "-d", f"{seconds}s", "-s", "bench/report.lua", url],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    after = os.times()
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line[len("BENCH ") :])
    figures["rps"] = round(figures["requests"] / figures["seconds"], 1)
    # wrk's own CPU per second of load: well under 1.0 means the load generator was not the bottleneck.
    used = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    figures["wrk_cpu_share"] = round(used / figures["seconds"], 2)
    return figures


def browser_visits(url: str) -> tuple[str, str]:
    """(the ETag, the Cookie header) of a browser's second visit to `url`: what it revalidates with from then on."""
    cookies: dict[str, str] = {}
    etag = ""
    for _ in range(2):
        headers = {"User-Agent": BROWSER_AGENT}
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            etag = response.headers.get("ETag", "")
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.split(";")[0].partition("=")
                cookies[name] = rest
    return etag, "; ".join(f"{name}={value}" for name, value in cookies.items())


BROWSER_ENCODINGS = "Accept-Encoding: gzip, deflate, br"  # what every browser sends
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"


ROUNDS = MODES["full"]["rounds"]  # main() sets the mode's


def median_look(looks: list[dict], key: str) -> dict:
    """The look whose `key` is the median of `looks` (of an even number, the lower middle one)."""
    return sorted(looks, key=lambda look: look[key])[(len(looks) - 1) // 2]


def between_trivial_runs(
    base: str, manifest: dict, seconds: int, connections: int, runs: dict, header: str = ""
) -> dict:
    """Each of `runs` (name: a function of `warm` returning wrk's figures) measured between two runs of the trivial
    view, `rounds` times over: T R1 T R2 T ... Rn T R1 T ... Rn T. Each look gets the mean of the trivial runs either
    side of it as its ratio's denominator, and a page's reported figures are those of its look with the median ratio
    (with two looks, the lower), its errors those of all its looks.

    Why: this machine's speed drifts by up to a half within minutes (the trivial view ran at 2,592 and 3,876 req/s in
    one run), so one trivial figure per block made ratios measured minutes apart meaningless; and a slow spell during
    a page's one long look moved its only figure by a fifth (docs/benchmarks.md). Three short looks minutes apart
    show a short dip as the one look out of line, and the median leaves it out."""
    trivial_url, rounds = base + manifest["trivial"], ROUNDS
    trivial = [wrk(trivial_url, seconds, connections, header=header)]
    looks: dict[str, list[dict]] = {name: [] for name in runs}
    for round_ in range(rounds):
        for name, measure in runs.items():
            figures = measure(warm=round_ == 0)
            trivial.append(wrk(trivial_url, seconds, connections, header=header, warm=False))
            figures["trivial_rps"] = round((trivial[-2]["rps"] + trivial[-1]["rps"]) / 2, 1)
            figures["ratio"] = round(figures["rps"] / figures["trivial_rps"], 3)
            looks[name].append(figures)
    results = {}
    for name, figures in looks.items():
        chosen = median_look(figures, "ratio")
        results[name] = {
            **chosen,
            "errors": sum(look["errors"] for look in figures),
            "looks": [{key: look[key] for key in ("rps", "trivial_rps", "ratio", "p95_ms", "wrk_cpu_share")}
                      for look in figures],
        }  # fmt: skip
        if len(figures) > 1:
            log(f"  {name:<11} ratios {[look['ratio'] for look in figures]}: median {chosen['ratio']}")
    # The trivial view's own row: the median of its runs over the block.
    middle = median_look(trivial, "rps")
    results["trivial"] = {
        **middle,
        "trivial_rps": middle["rps"],
        "ratio": 1.0,
        "errors": sum(t["errors"] for t in trivial),
        "trivial_runs": [t["rps"] for t in trivial],
        "looks": [{"rps": t["rps"], "p95_ms": t["p95_ms"], "wrk_cpu_share": t["wrk_cpu_share"]} for t in trivial],
    }
    log(f"  trivial     {results['trivial']['rps']:>8.1f} req/s (median of {results['trivial']['trivial_runs']})")
    return results


def ratio(figures: dict, fallback: float) -> float:
    """A figure as a share of the trivial view's rate measured beside it (results before 2026-11-28 21:00: of the
    block's one trivial figure)."""
    return figures["rps"] / figures.get("trivial_rps", fallback)


def measure_pages(base: str, manifest: dict, seconds: int, connections: int, server: Server, header: str = "") -> dict:
    def measure(page: str):
        def run(warm: bool) -> dict:
            figures = wrk(base + manifest[page], seconds, connections, header=header, warm=warm)
            figures["rss_mb"] = server.worker_rss_mb()
            log(f"  {page:<11} {figures['rps']:>8.1f} req/s  p50 {figures['p50_ms']:.1f} ms  "
                f"p95 {figures['p95_ms']:.1f} ms  errors {figures['errors']}")  # fmt: skip
            return figures

        return run

    pages = {page: measure(page) for page in PAGES if page != "trivial"}
    results = between_trivial_runs(base, manifest, seconds, connections, pages, header=header)
    results["trivial"]["rss_mb"] = server.worker_rss_mb()
    return {page: results[page] for page in PAGES}


def measure_304(base: str, manifest: dict, seconds: int, connections: int) -> dict:
    url = base + manifest["story_200"]
    tag, cookies = browser_visits(url)

    def run(warm: bool) -> dict:
        figures = wrk(url, seconds, connections, header=f"If-None-Match: {tag}\nCookie: {cookies}", warm=warm)
        log(f"  304 story  {figures['rps']:>8.1f} req/s  p50 {figures['p50_ms']:.1f} ms")
        return figures

    return between_trivial_runs(base, manifest, seconds, connections, {"304": run})["304"]


def measure_returning(base: str, manifest: dict, seconds: int, connections: int) -> dict:
    """The cached story page for a returning browser: compressed, and sending the cookies its first visit got (the
    CSRF cookie, the stories it was counted for), as browsers do (every other cached figure is a first visit: wrk
    keeps no cookies)."""
    url = base + manifest["story_200"]
    _, cookies = browser_visits(url)
    header = f"{BROWSER_ENCODINGS}\nCookie: {cookies}"

    def run(warm: bool) -> dict:
        figures = wrk(url, seconds, connections, header=header, warm=warm)
        log(f"  returning  {figures['rps']:>8.1f} req/s  p50 {figures['p50_ms']:.1f} ms")
        return figures

    return between_trivial_runs(base, manifest, seconds, connections, {"returning": run})["returning"]


MIXED_RATES = (1, 5)  # comments a second landing while readers read (the mixed run)


def measure_mixed(base: str, manifest: dict, seconds: int, connections: int, env: dict) -> dict:
    """Readers going round the front page and twenty stories (cached), first with no writes, then while comments
    land on those stories at a steady rate: what a busy board's readers see, since every comment retires the pages
    that show it."""
    paths = ",".join(manifest["mixed_paths"])
    ids = ",".join(str(i) for i in manifest["mixed_story_ids"])
    results = {"none": wrk(base + "/", seconds, connections, paths=paths)}
    log(f"  mixed, no posts:      {results['none']['rps']:>8.1f} req/s  p95 {results['none']['p95_ms']:.1f} ms")
    for rate in MIXED_RATES:
        poster = subprocess.Popen(
            [PYTHON, "bench/post_load.py", "--url", base, "--stories", ids, "--processes", "2",
             "--seconds", str(seconds + 2), "--rate", str(rate)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        figures = wrk(base + "/", seconds, connections, paths=paths)
        out, _ = poster.communicate(timeout=seconds + 120)
        posted = json.loads(next(line for line in out.splitlines() if line.startswith("POSTS "))[len("POSTS ") :])
        figures["posts_per_s"] = round(posted["accepted"] / posted["seconds"], 1)
        figures["post_failures"] = posted["refused"] + posted["errors"]
        results[f"{rate}"] = figures
        log(f"  mixed, {rate} comments/s: {figures['rps']:>8.1f} req/s  p95 {figures['p95_ms']:.1f} ms  "
            f"(posted {figures['posts_per_s']}/s)")  # fmt: skip
    return results


def measure_big_against_small(
    base: str, manifest: dict, small_base: str, small_manifest: dict, seconds: int, connections: int
) -> dict:
    """Each page's p50 on the big board against the small board's, both served at once and loaded in turn: small,
    big, small, big, ..., small, so the machine's drift between minutes does not enter the comparison. Each look at
    the big board is taken against the mean of the small board's runs either side of it, and the page's figure is
    its look with the median ratio, as between_trivial_runs does for the pages' rates: with one look, one page came
    out at 1.30x in a run where the run before gave 1.03x (docs/benchmarks.md)."""
    results = {}
    for page in ("front", "story_200", "story_1000"):
        small = [wrk(small_base + small_manifest[page], seconds, connections)]
        looks = []
        for round_ in range(ROUNDS):
            big = wrk(base + manifest[page], seconds, connections, warm=round_ == 0)
            small.append(wrk(small_base + small_manifest[page], seconds, connections, warm=False))
            small_p50 = (small[-2]["p50_ms"] + small[-1]["p50_ms"]) / 2
            looks.append({"big_p50_ms": big["p50_ms"], "small_p50_ms": round(small_p50, 2),
                          "big_over_small": round(big["p50_ms"] / max(small_p50, 0.001), 3)})  # fmt: skip
        chosen = median_look(looks, "big_over_small")
        results[page] = {**chosen, "small_runs_p50_ms": [run["p50_ms"] for run in small], "looks": looks}
        log(f"  {page:<11} p50 big {[look['big_p50_ms'] for look in looks]} ms, small "
            f"{results[page]['small_runs_p50_ms']} ms: {[look['big_over_small'] for look in looks]}, "
            f"median {chosen['big_over_small']:.2f}x")  # fmt: skip
    return results


def measure_posting(base: str, manifest: dict, seconds: float, env: dict, workers: int, cycle: str) -> dict:
    ids = ",".join(str(i) for i in manifest["post_story_ids"])
    before = os.times()
    out = subprocess.run(
        [PYTHON, "bench/post_load.py", "--url", base, "--stories", ids, "--processes", str(workers * 2),
         "--seconds", str(seconds), "--cycle", cycle],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    after = os.times()
    result = json.loads(next(line for line in out.splitlines() if line.startswith("POSTS "))[len("POSTS ") :])
    # The posting clients' own CPU (their processes are waited for, so their time is counted here), per second: they
    # share the machine with the server, as wrk does.
    used = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    result["client_cpu_share"] = round(used / result["seconds"], 2)
    check = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c",
         "import json; from django.db.models import Count; from comments.models import Comment; "
         f"qs = Comment.objects.filter(body__startswith='{result['prefix']} '); "
         "dup = qs.values('body').annotate(n=Count('id')).filter(n__gt=1).count(); "
         "nums = Comment.objects.values('article_id', 'number').annotate(n=Count('id')).filter(n__gt=1).count(); "
         "print('CHECK ' + json.dumps({'stored': qs.count(), 'duplicated_bodies': dup, 'duplicated_numbers': nums}))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    stored = json.loads(next(line for line in check.splitlines() if line.startswith("CHECK "))[len("CHECK ") :])
    result.update(stored)
    result["posts_per_s"] = round(result["accepted"] / result["seconds"], 1)
    result["all_stored_once"] = (
        stored["stored"] == result["accepted"] and not stored["duplicated_bodies"] and not stored["duplicated_numbers"]
    )
    log(
        f"  posting ({cycle}): {result['posts_per_s']} comments/s, accepted {result['accepted']}, "
        f"refused {result['refused']}, errors {result['errors']}, stored once: {result['all_stored_once']}, "
        f"clients' CPU {result['client_cpu_share']} of a core"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=None)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    parser.add_argument("--seconds", type=int, default=None)
    parser.add_argument("--port", type=int, default=8731)
    args = parser.parse_args()
    mode = MODES[args.mode]
    dbs = mode["dbs"] if args.db is None else (["sqlite", "postgres"] if args.db == "both" else [args.db])
    seconds = args.seconds or mode["seconds"]
    global ROUNDS
    ROUNDS = mode["rounds"]
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    workdir = Path(tempfile.mkdtemp(prefix="rantboard-bench-"))
    global REDIS_URL
    if REDIS_URL and subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], capture_output=True).returncode != 0:
        log(f"no Redis at {REDIS_URL}: using the file cache")
        REDIS_URL = ""
    report = {
        "mode": args.mode, "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "connections": args.connections, "workers": args.workers, "seconds": seconds, "rounds": ROUNDS,
        "databases": {},
        "cache": "Redis" if REDIS_URL else "files",
        "postgres_via": "a Unix socket" if pg_admin_url().split("@", 1)[-1].lower().startswith("%2f") else "TCP",
    }  # fmt: skip
    try:
        static_root = str(workdir / "static")
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            base_env("sqlite:///unused", page_cache=False, static_root=static_root))  # fmt: skip
        for kind in dbs:
            url, manifest = prepare_database(kind, mode["stories"], mode["comments"], workdir, "big")
            settle(kind, url)
            entry = {"size": {"stories": manifest["stories"], "comments": manifest["comments"]}}
            base = f"http://127.0.0.1:{args.port}"
            for cached in (False, True):
                env = base_env(url, page_cache=cached, static_root=static_root)
                label = "cached" if cached else "uncached"
                log(f"{kind}: {label}, {args.workers} gunicorn workers, wrk -c{args.connections} for {seconds}s a page")
                with Server(env, args.port, args.workers) as server:
                    entry[label] = measure_pages(base, manifest, seconds, args.connections, server)
                    if cached:
                        log(f"{kind}: cached, asking for compressed pages as browsers do ({BROWSER_ENCODINGS})")
                        entry["cached_compressed"] = measure_pages(
                            base, manifest, seconds, args.connections, server, header=BROWSER_ENCODINGS
                        )
                        entry["not_modified_304"] = measure_304(base, manifest, seconds, args.connections)
                        entry["returning"] = measure_returning(base, manifest, seconds, args.connections)
                        # One long look at each rate (no trivial runs between): the posting clients need time to
                        # land their comments at a steady rate.
                        entry["mixed"] = measure_mixed(base, manifest, 2 * seconds, args.connections, env)
                    elif kind == "postgres" or args.mode == "quick":
                        entry["posting"] = measure_posting(
                            base, manifest, mode["post_seconds"], env, args.workers, "post"
                        )
                        entry["posting_reader"] = measure_posting(
                            base, manifest, mode["post_seconds"], env, args.workers, "reader"
                        )
                        settle(kind, url)
            if mode["small"]:
                small_url, small_manifest = prepare_database(kind, *mode["small"], workdir, "small")
                log(f"{kind}: the small database beside the big one, uncached (small, big, small for each page)")
                big_env = base_env(url, page_cache=False, static_root=static_root)
                small_env = base_env(small_url, page_cache=False, static_root=static_root)
                with Server(big_env, args.port, args.workers), Server(small_env, args.port + 1, args.workers):
                    entry["small"] = {
                        "size": {"stories": small_manifest["stories"], "comments": small_manifest["comments"]},
                        "paired": measure_big_against_small(
                            base, manifest, f"http://127.0.0.1:{args.port + 1}", small_manifest, seconds,
                            args.connections,
                        ),
                    }  # fmt: skip
            report["databases"][kind] = entry
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{args.mode}-{stamp}.json").write_text(json.dumps(report, indent=2))
    markdown = to_markdown(report)
    (RESULTS / f"{args.mode}-{stamp}.md").write_text(markdown)
    chart.draw(report, RESULTS / f"{args.mode}-{stamp}.png")
    if args.mode == "full":
        chart.draw(report, ROOT / "docs" / "img" / "benchmark.png")  # the chart docs/benchmarks.md shows
    print(markdown)


def looks_of(page: str, figures: dict) -> str:
    ratios = ", ".join(f"{look['ratio']:.3f}" for look in figures["looks"])
    return f"{page} {ratios} ({max(look['p95_ms'] for look in figures['looks']):.1f} ms)"


def paired_of(page: str, figures: dict) -> str:
    ratios = (
        "; " + ", ".join(f"{look['big_over_small']:.2f}" for look in figures["looks"]) if "looks" in figures else ""
    )
    return (
        f"{page} {figures['big_p50_ms']:.1f} ms against {figures['small_p50_ms']:.1f} ms "
        f"({figures['big_over_small']:.2f}x{ratios})"
    )


def to_markdown(report: dict) -> str:
    lines = [
        f"## Benchmark, {report['mode']} mode",
        "",
        f"Machine: {report['machine']}. gunicorn {report['workers']} sync workers, production settings; "
        f"wrk 1 thread, {report['connections']} connections; "
        + (
            f"each page loaded in {report['rounds']} looks of {report['seconds']} s (the first after a 1 s warm-up), "
            "each look between two runs of the trivial view and taken as a ratio to their mean; a page's row is its "
            "look with the median ratio. "
            if report.get("rounds", 1) > 1
            else f"{report['seconds']} s a page after a 1 s warm-up. "
        )
        + f"Cache: {report.get('cache', 'files')}."
        + (
            f" PostgreSQL reached through {report.get('postgres_via', 'TCP')}."
            if "postgres" in report["databases"]
            else ""
        ),
        "",
    ]
    for kind, entry in report["databases"].items():
        size = entry["size"]
        lines += [f"### {kind}: {size['stories']:,} stories, {size['comments']:,} comments", ""]
        lines += [
            "| page | uncached req/s | ratio | p50 ms | p95 ms | p99 ms | cached req/s | ratio | p95 ms "
            "| cached, compressed req/s | ratio | errors | worker MB |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        trivial_u = entry["uncached"]["trivial"]["rps"]
        trivial_c = entry["cached"]["trivial"]["rps"]
        compressed = entry.get("cached_compressed")
        for page in PAGES:
            u, c = entry["uncached"][page], entry["cached"][page]
            z = compressed[page] if compressed else None
            zipped = f"{z['rps']:.0f} | {ratio(z, compressed['trivial']['rps']):.3f}" if z else " | "
            errors = u["errors"] + c["errors"] + (z["errors"] if z else 0)
            lines.append(
                f"| {page} | {u['rps']:.0f} | {ratio(u, trivial_u):.3f} | {u['p50_ms']:.1f} | {u['p95_ms']:.1f} | "
                f"{u['p99_ms']:.1f} | {c['rps']:.0f} | {ratio(c, trivial_c):.3f} | {c['p95_ms']:.1f} | "
                f"{zipped} | {errors} | {c['rss_mb']} |"
            )
        if "not_modified_304" in entry:
            n = entry["not_modified_304"]
            lines.append(
                f"| story_200, 304 with ETag | | | | | | {n['rps']:.0f} | {ratio(n, trivial_c):.3f} | "
                f"{n['p95_ms']:.1f} | | | {n['errors']} | |"
            )
        if "returning" in entry:
            n = entry["returning"]
            lines.append(
                f"| story_200, returning browser (CSRF cookie), compressed | | | | | | | | | {n['rps']:.0f} | "
                f"{ratio(n, trivial_c):.3f} | {n['errors']} | |"
            )
        lines.append("")
        for label, what in (("uncached", "uncached"), ("cached", "cached"), ("cached_compressed", "compressed")):
            if label in entry and len(entry[label]["front"].get("looks", [])) > 1:
                pages = "; ".join(looks_of(page, entry[label][page]) for page in PAGES if page != "trivial")
                runs = ", ".join(f"{rps:.0f}" for rps in entry[label]["trivial"]["trivial_runs"])
                lines.append(
                    f"Each look's ratio, {what} (the row above is the median; the worst look's p95 in brackets): "
                    f"{pages}; the trivial view's runs {runs} req/s."
                )
                lines.append("")
        if "small" in entry and "paired" in entry["small"]:
            small = entry["small"]
            lines.append(
                f"Big board against a small one ({small['size']['stories']:,} stories, "
                f"{small['size']['comments']:,} comments), uncached p50, both served at once and loaded small, big, "
                "small, ...; each look at the big board against the small board's runs either side of it, the "
                "median look shown, every look's ratio in brackets: "
                + ", ".join(paired_of(page, figures) for page, figures in small["paired"].items())
            )
            lines.append("")
        elif "small" in entry:
            small = entry["small"]
            lines.append(
                f"Small database ({small['size']['stories']:,} stories, {small['size']['comments']:,} comments), "
                "uncached p50: "
                + ", ".join(
                    f"{p} {small['uncached'][p]['p50_ms']:.1f} ms "
                    f"(big/small {entry['uncached'][p]['p50_ms'] / max(small['uncached'][p]['p50_ms'], 0.001):.2f}x)"
                    for p in ("front", "story_200", "story_1000")
                )
            )
            lines.append("")
        if "mixed" in entry:
            mixed, trivial_c = entry["mixed"], entry["cached"]["trivial"]["rps"]
            lines += [
                "Readers going round the front page and the 20 stories being commented on (cached), while comments "
                "land on those stories at a steady rate; each comment retires its own story's page, the front page "
                "and the sidebar that every story page shares:",
                "",
                "| comments landing | readers req/s | ratio | p50 ms | p95 ms | p99 ms | errors | comments posted/s |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for label, figures in mixed.items():
                rate = "none" if label == "none" else f"{label}/s"
                posted = figures.get("posts_per_s", "")
                failures = figures["errors"] + figures.get("post_failures", 0)
                lines.append(
                    f"| {rate} | {figures['rps']:.0f} | {figures['rps'] / trivial_c:.3f} | {figures['p50_ms']:.1f} | "
                    f"{figures['p95_ms']:.1f} | {figures['p99_ms']:.1f} | {failures} | {posted} |"
                )
            lines.append("")
        for label, what in (
            ("posting", "Posting through HTTP (each client loads the form once, then posts)"),
            ("posting_reader", "Posting as a reader who reloads the page before each comment"),
        ):
            if label not in entry:
                continue
            p = entry[label]
            lines.append(
                f"{what}: **{p['posts_per_s']} comments/s** over {p['seconds']} s; "
                f"accepted {p['accepted']}, "
                f"refused {p['refused']}, errors {p['errors']}; stored {p['stored']}, duplicated bodies "
                f"{p['duplicated_bodies']}, duplicated numbers {p['duplicated_numbers']}: "
                f"{'every accepted comment stored once' if p['all_stored_once'] else 'MISMATCH'}"
                + (f"; the posting clients used {p['client_cpu_share']} of a core." if "client_cpu_share" in p else ".")
            )
            lines.append("")
        shares = [
            look["wrk_cpu_share"]
            for label in ("uncached", "cached")
            for page in PAGES
            for look in entry[label][page].get("looks", [entry[label][page]])
        ]
        lines.append(
            f"wrk's own CPU while loading: {min(shares):.2f} to {max(shares):.2f} of one core (of two), so the load "
            "generator was not what limited the rate."
        )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
