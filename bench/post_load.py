"""Post comments through HTTP as fast as several browsers can, with every defence of the form in play.

Two ways, chosen by --cycle:

- post (the default, the write path's rate): each process opens each story page once, for its CSRF cookie and
  token, then posts comments one after another. Each post carries a new form stamp (the story, the time and a
  one-time token, signed), as a freshly loaded form would: signed here with the server's secret, which the benchmark
  gives both (DJANGO_SECRET_KEY), so the rate is the write path's, not the page's.
- reader: each process opens the story page before every post, as a commenter who reloads the page does, so the
  rate includes rendering the page afresh after each comment.

    python bench/post_load.py --url http://127.0.0.1:8100 --stories 5,6,7 --processes 8 --seconds 15 [--cycle reader]

Prints one JSON line: accepted posts, refusals, errors, elapsed time, and the bodies' prefix, so the caller can check
in the database that every accepted comment is stored once.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import secrets
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

from django.core import signing

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from comments.defences import STAMP_SALT

STAMP_RE = re.compile(r'name="stamp" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def keep_cookies(response, cookies: dict[str, str]) -> None:
    for header in response.msg.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]


def open_form(conn, story: int, cookies: dict[str, str]) -> dict[str, str]:
    """The story page's form fields a browser would send back (following the redirect to the canonical address)."""
    conn.request("GET", f"/story/{story}/", headers=cookie_header(cookies))
    response = conn.getresponse()
    location = response.getheader("Location")
    response.read()
    if location:
        conn.request("GET", location, headers=cookie_header(cookies))
        response = conn.getresponse()
    page = response.read().decode()
    keep_cookies(response, cookies)
    return {
        "stamp": STAMP_RE.search(page).group(1),
        "csrfmiddlewaretoken": CSRF_RE.search(page).group(1),
    }


def fresh_stamp(story: int) -> str:
    """What the story page's form would carry if loaded now (comments.defences.new_stamp, signed the same way)."""
    signer = signing.Signer(key=os.environ["DJANGO_SECRET_KEY"], salt=STAMP_SALT, fallback_keys=[])
    return signer.sign(f"{story}:{int(time.time() * 1000)}:{secrets.token_urlsafe(18)}")


def poster(args) -> dict:
    base, story_ids, deadline, prefix, worker, cycle, interval, offset = args
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    cookies: dict[str, str] = {}
    forms: dict[int, dict[str, str]] = {}
    accepted, refused, errors = 0, 0, 0
    n = 0
    next_post = time.time() + offset  # the processes' posts spread evenly over each interval
    while time.time() < deadline:
        if interval:  # a steady rate rather than as fast as possible
            time.sleep(max(0.0, next_post - time.time()))
            next_post += interval
        story = story_ids[(worker + n) % len(story_ids)]
        n += 1
        try:
            if cycle == "reader" or story not in forms:
                forms[story] = open_form(conn, story, cookies)
            elif cycle == "post":
                forms[story]["stamp"] = fresh_stamp(story)
            form = {
                **forms[story],
                "nic": f"Poster {prefix[-6:]} {worker}",  # new nics each run: the last run's are owned
                "body": f"{prefix} {worker}-{n} words about the story, posted by the benchmark.",
                "post": "1",
            }
            conn.request(
                "POST",
                f"/story/{story}/comment/",
                body=urllib.parse.urlencode(form),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": base + "/",
                    **cookie_header(cookies),
                },
            )
            response = conn.getresponse()
            response.read()
            keep_cookies(response, cookies)
            if response.status == 302:
                accepted += 1
            else:
                refused += 1
        except (OSError, http.client.HTTPException, AttributeError):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.close()
    return {"accepted": accepted, "refused": refused, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--stories", required=True, help="comma-separated story ids")
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--cycle", choices=["post", "reader"], default="post")
    parser.add_argument("--rate", type=float, default=0, help="comments a second in all (0: as fast as possible)")
    args = parser.parse_args()
    prefix = f"bench-{uuid.uuid4().hex[:10]}"
    story_ids = [int(s) for s in args.stories.split(",")]
    started = time.time()
    deadline = started + args.seconds
    with multiprocessing.Pool(args.processes) as pool:
        interval = args.processes / args.rate if args.rate else 0
        jobs = [
            (args.url, story_ids, deadline, prefix, worker, args.cycle, interval, interval * worker / args.processes)
            for worker in range(args.processes)
        ]
        results = pool.map(poster, jobs)
    elapsed = time.time() - started
    total = {key: sum(r[key] for r in results) for key in ("accepted", "refused", "errors")}
    print("POSTS " + json.dumps({**total, "seconds": round(elapsed, 3), "prefix": prefix, "cycle": args.cycle}))


if __name__ == "__main__":
    main()
