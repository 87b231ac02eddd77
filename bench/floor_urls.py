"""How fast could the uncached story page be on this stack? `/floor/<id>/` runs the story page's four reads (the
story with its region and editor, its subjects, its thread's stored rows, the sidebar's stored lines) through a raw
cursor and joins the strings: no ORM, no template, no form, no navigation. Served through the same gunicorn and
middleware as everything else, its rate is the ceiling that any rendering of the page must stay under. Its reads are
prepared statements on PostgreSQL, as the app's own are (rantboard/prepared.py): planned each time, they cost the
database about half a millisecond more a page than the app's reads, and the floor then sat under the page it bounds.

Used only by `bench/run.py` (with bench/floor_settings.py); every other URL is Rantboard's own.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone
from django.utils.html import escape

from rantboard import prepared


def floor(request, pk: int):
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        prepared.execute(
            cursor,
            "rantboard_floor_story",
            "SELECT a.title, a.body_html, a.lead_note_html, r.name, u.username FROM articles_article a"
            " JOIN articles_region r ON r.id = a.region_id JOIN auth_user u ON u.id = a.posted_by_id"
            " WHERE a.id = %s AND a.status = 'published' AND a.published_at <= %s",
            [pk, now],
        )
        title, body, lead, region, editor = cursor.fetchone()
        prepared.execute(
            cursor,
            "rantboard_floor_subjects",
            "SELECT s.name FROM articles_subject s JOIN articles_article_subjects x ON x.subject_id = s.id"
            " WHERE x.article_id = %s ORDER BY s.name",
            [pk],
        )
        subjects = [name for (name,) in cursor.fetchall()]
        prepared.execute(
            cursor,
            "rantboard_floor_thread",
            "SELECT row_html FROM comments_comment WHERE article_id = %s AND NOT removed ORDER BY number",
            [pk],
        )
        rows = "".join(row for (row,) in cursor.fetchall())
        # As the app does (comments.models._newest_visible): walk the newest comments by time and drop those under
        # hidden stories, rather than join the stories first, which SQLite plans badly.
        prepared.execute(
            cursor,
            "rantboard_floor_latest",
            "SELECT c.latest_html, a.status = 'published' AND a.published_at <= %s FROM comments_comment c"
            " JOIN articles_article a ON a.id = c.article_id WHERE NOT c.removed"
            " ORDER BY c.created_at DESC, c.id DESC LIMIT 60",
            [now],
        )
        latest = "".join([item for (item, visible) in cursor.fetchall() if visible][:20])
    meta = escape(f"{region} · {editor} · {', '.join(subjects)}")
    return HttpResponse(f"<h1>{escape(title)}</h1><p>{meta}</p>{lead}{body}{rows}<ol>{latest}</ol>")


urlpatterns = [path("floor/<int:pk>/", floor), path("", include("rantboard.urls"))]
