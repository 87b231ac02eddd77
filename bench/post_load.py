"""Post comments through HTTP as fast as several browsers can: each process opens a story page (for its CSRF cookie,
form token and stamp) and posts its form, over a kept-alive connection, then does it again.

    python bench/post_load.py --url http://127.0.0.1:8100 --stories 5,6,7 --processes 8 --seconds 15

Prints one JSON line: accepted posts, refusals, errors, elapsed time, and the bodies' prefix, so the caller can check
in the database that every accepted comment is stored once.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import re
import time
import urllib.parse
import uuid

TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
STAMP_RE = re.compile(r'name="stamp" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def poster(args) -> dict:
    base, story_ids, deadline, prefix, worker = args
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    cookies: dict[str, str] = {}
    accepted, refused, errors = 0, 0, 0
    n = 0
    while time.time() < deadline:
        story = story_ids[(worker + n) % len(story_ids)]
        n += 1
        try:
            conn.request(
                "GET", f"/story/{story}/", headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
            )
            response = conn.getresponse()
            location = response.getheader("Location")
            response.read()
            if location:
                conn.request("GET", location, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
                response = conn.getresponse()
            page = response.read().decode()
            for header in response.msg.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                cookies[name] = rest.split(";", 1)[0]
            form = {
                "nic": f"Bench Poster {worker}",
                "body": f"{prefix} {worker}-{n} words about the story, posted by the benchmark.",
                "token": TOKEN_RE.search(page).group(1),
                "stamp": STAMP_RE.search(page).group(1),
                "csrfmiddlewaretoken": CSRF_RE.search(page).group(1),
                "post": "1",
            }
            conn.request(
                "POST",
                f"/story/{story}/comment/",
                body=urllib.parse.urlencode(form),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                    "Referer": base + "/",
                },
            )
            response = conn.getresponse()
            response.read()
            for header in response.msg.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                cookies[name] = rest.split(";", 1)[0]
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
    args = parser.parse_args()
    prefix = f"bench-{uuid.uuid4().hex[:10]}"
    story_ids = [int(s) for s in args.stories.split(",")]
    started = time.time()
    deadline = started + args.seconds
    with multiprocessing.Pool(args.processes) as pool:
        results = pool.map(poster, [(args.url, story_ids, deadline, prefix, w) for w in range(args.processes)])
    elapsed = time.time() - started
    total = {key: sum(r[key] for r in results) for key in ("accepted", "refused", "errors")}
    print("POSTS " + json.dumps({**total, "seconds": round(elapsed, 3), "prefix": prefix}))


if __name__ == "__main__":
    main()
