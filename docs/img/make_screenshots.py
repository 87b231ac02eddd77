"""The docs' screenshots, made again from the demo board: `.venv/bin/python docs/img/make_screenshots.py`
(`--only readers` or `--only admin` for one half).

It migrates a throwaway SQLite database, fills it with `seed_demo`, serves it on a free port of 127.0.0.1 and has
Debian's Chromium use it as a reader would: a story visited, comments landing after the visit (marked new), a
comment posted and edited, a quote, a search, and the story on a phone in the dark scheme (README.md). Then, as the
demo's ordinary editor on a 1280 x 800 laptop, after readers have flagged a few comments: the newsroom, the moderation
queue with its buttons, and a nic's record on a comment's page (docs/editors.md, docs/moderation.md).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "img"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


EDITOR = "mara"  # the demo's ordinary editor (the Editors group, not a superuser): what the docs' reader is

# Readers flag a few comments; one nic is banned for three days first, so its record has a ban and flags to show.
FLAGS = """
import datetime as dt
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone
from comments.models import Comment
from comments.moderation import ban_create
from comments.services import flag_create
chief = get_user_model().objects.get(username="chief")
flaggable = Comment.objects.visible().filter(redacted=False)
regular = (flaggable.values("commenter_id").annotate(n=Count("id")).filter(n__gte=2).order_by("-n", "commenter_id")
           .first()["commenter_id"])
theirs = list(flaggable.filter(commenter_id=regular).order_by("-created_at")[:2])
ban_create(kind="nic", value=theirs[0].nic, reason="Flooding the shipping threads", moderator=chief,
           expires_at=timezone.now() + dt.timedelta(days=3))
others = list(flaggable.exclude(commenter_id=regular).order_by("-created_at")[:2])
for comment, reasons in zip([*theirs, *others], [["spam", "spam", "abuse"], ["abuse"], ["off_topic"], ["spam"]]):
    for n, reason in enumerate(reasons):
        flag_create(comment=comment, reason=reason, flagger_token=f"shots-reader-{n}")
print(theirs[0].pk)
"""


def reader_shots(browser, base: str, env: dict, agent: str) -> None:
    story = manage(env, "shell", "-c", (
        "from articles.models import Article; "
        "a = Article.objects.visible().filter(comment_count__gte=3).order_by('-published_at').first(); "
        "print(a.pk, a.get_absolute_url())"
    )).splitlines()[-1].split()  # fmt: skip
    pk, path = int(story[0]), story[1]
    laptop = browser.new_context(viewport={"width": 1280, "height": 900}, user_agent=agent)
    page = laptop.new_page()
    page.goto(base + path)
    page.fill("#id_nic", "Tess Tapwater")
    page.fill("#id_body", "Tuesday, if the union agrees.")
    page.locator(".post-button").click()
    page.wait_for_url("**#c*")
    page.get_by_role("link", name="Edit your comment").click()
    page.fill("#id_body", "Tuesday, if the union agrees, and the tugs are back.")
    page.get_by_role("button", name="Save the change").click()
    page.goto(base + path)  # the browser remembers the highest comment number it has seen
    manage(env, "shell", "-c", (
        "from comments.services import comment_create\n"
        f"comment_create(article_id={pk}, nic='Harbour Watcher', owner_token='shots-1', "
        "body='Just back from the quay: the [b]second crane[/b] is still idle.')\n"
        f"comment_create(article_id={pk}, nic='Night Ferry', owner_token='shots-2', "
        "body='Same here. The notice board says [i]Thursday[/i].')\n"
    ))  # fmt: skip
    time.sleep(1.5)  # the views are handed over every second here
    page.goto(base + path)  # the next visit: two comments are new
    page.locator("article.comment .quote-link").last.click()
    page.screenshot(path=str(OUT / "story-page.png"), full_page=True)
    page.goto(base + "/")
    page.screenshot(path=str(OUT / "front-page.png"))
    page.fill("input[name=q]", "ferry")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/**")
    page.screenshot(path=str(OUT / "search.png"))
    phone = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark",
                                device_scale_factor=2, is_mobile=True, user_agent=agent)  # fmt: skip
    small = phone.new_page()
    small.goto(base + path)
    small.screenshot(path=str(OUT / "story-phone-dark.png"))


def admin_shots(browser, base: str, env: dict, password: str) -> None:
    flagged = int(manage(env, "shell", "-c", FLAGS).splitlines()[-1])
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", EDITOR)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")
    page.locator("#newsroom").screenshot(path=str(OUT / "admin-newsroom.png"))
    page.goto(base + "/admin/comments/flaggedcomment/")
    page.screenshot(path=str(OUT / "admin-queue.png"))
    page.goto(base + f"/admin/comments/comment/{flagged}/change/")
    page.locator("#content-main fieldset").first.screenshot(path=str(OUT / "admin-nic-record.png"))


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["readers", "admin"], help="make one half of the screenshots")
    only = parser.parse_args().only
    work = Path(tempfile.mkdtemp(prefix="rantboard-shots-"))
    port = free_port()
    env = {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
           "CACHE_DIR": str(work / "cache"), "COUNTERS_DIR": str(work / "counters"), "COMMENT_MIN_SECONDS": "0",
           "VIEW_FLUSH_SECONDS": "1"}  # fmt: skip
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput", "-v0")
    seeded = manage(env, "seed_demo")
    password = re.search(rf"^\s+{EDITOR} / (\S+)", seeded, re.MULTILINE).group(1)
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/livez", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            # Headless Chromium names itself in its User-Agent, and robots' views are not counted.
            agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
            if only != "admin":
                reader_shots(browser, base, env, agent)
            if only != "readers":
                admin_shots(browser, base, env, password)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)  # the throwaway database and caches
    print("screenshots in", OUT)


if __name__ == "__main__":
    main()
