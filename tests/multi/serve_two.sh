#!/usr/bin/env bash
# Two stateless app servers on 127.0.0.1, sharing one PostgreSQL database and one Redis, for tests/multi.
# Used by .ci/run (and `make test-multi`): prepares the database, starts both gunicorns, runs the tests, stops them.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
# One run at a time on a machine (several checkouts share its PostgreSQL and Redis): the Redis databases below are
# emptied at the start of a run.
exec 9>"${TMPDIR:-/tmp}/rantboard-test-multi.lock"
flock 9
# Its own database and two free ports, so a run never meets another checkout's servers.
DB=rantboard_multi_$$
read -r PORT_A PORT_B < <($PY -c "
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(('127.0.0.1', 0))
print(*(s.getsockname()[1] for s in socks))
")
work=$(mktemp -d)
pids=()
drop_db() {
  $PY - <<PY || true
import psycopg2
conn = psycopg2.connect("$PG_ADMIN"); conn.autocommit = True
conn.cursor().execute('DROP DATABASE IF EXISTS "$DB" WITH (FORCE)')
PY
}
cleanup() { for pid in "${pids[@]}"; do kill -- -"$pid" 2>/dev/null || true; done; drop_db; rm -rf "$work"; }
trap cleanup EXIT

$PY - <<PY
import psycopg2
conn = psycopg2.connect("$PG_ADMIN"); conn.autocommit = True
cur = conn.cursor(); cur.execute('DROP DATABASE IF EXISTS "$DB"'); cur.execute('CREATE DATABASE "$DB"')
PY

export DJANGO_SETTINGS_MODULE=rantboard.settings DJANGO_DEBUG=0 DJANGO_SECURE_HTTPS=0
export DJANGO_SECRET_KEY=$($PY -c "import secrets; print(secrets.token_urlsafe(50))")
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost SITE_URL=http://127.0.0.1:$PORT_A
export DATABASE_URL=${PG_ADMIN%/*}/$DB REDIS_URL=${MULTI_REDIS_URL:-redis://127.0.0.1:6379/14}
# The counters in a Redis database of their own, as docs/scaling.md advises (a Redis that never evicts), so that
# setting is what the tests run on.
export COUNTERS_REDIS_URL=${MULTI_COUNTERS_REDIS_URL:-redis://127.0.0.1:6379/15}
export STATIC_ROOT=$work/static COMMENT_MIN_SECONDS=0 COMMENT_RATE_PER_MINUTE=4 COMMENT_RATE_PER_HOUR=1000
export MULTI_EDITOR_PASSWORD=$($PY -c "import secrets; print(secrets.token_urlsafe(16))")
redis-cli -u "$REDIS_URL" flushdb >/dev/null
redis-cli -u "$COUNTERS_REDIS_URL" flushdb >/dev/null

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
export MULTI_STORY_ID=$($PY manage.py shell -c "
import os
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from articles.models import Article, Region
editor = get_user_model().objects.create_user('multi-editor', password=os.environ['MULTI_EDITOR_PASSWORD'], is_staff=True)
editor.groups.add(Group.objects.get(name='Editors'))
region = Region.objects.create(name='Europe', slug='europe')
story = Article.objects.create(region=region, title='Two servers, one board', source_url='https://news.example.com/x',
    source_name='Wire', body='Shared by both app servers.', posted_by=editor, status='published')
print(story.pk)
" | tail -n 1)

for port in $PORT_A $PORT_B; do
  setsid $PY -m gunicorn rantboard.wsgi --bind 127.0.0.1:$port --workers 2 --log-level warning &
  pids+=($!)
done
for port in $PORT_A $PORT_B; do
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/livez" && break; sleep 0.2; done
done

export MULTI_SERVER_A=http://127.0.0.1:$PORT_A MULTI_SERVER_B=http://127.0.0.1:$PORT_B MULTI_EDITOR_USER=multi-editor
$PY -m pytest tests/multi -p no:cacheprovider -q "$@"
