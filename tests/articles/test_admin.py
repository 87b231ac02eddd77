"""The editor's side, as an editor in the Editors group (not a superuser) does the job in the admin."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.rendering import MAX_BODY_CHARS

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")
ADD = reverse("admin:articles_article_add")


def _story_form(region, subject, **overrides):
    now = timezone.localtime()
    data = {
        "region": region.pk,
        "title": "Coast guard adds cutters",
        "slug": "coast-guard-adds-cutters",
        "source_url": "https://news.example.com/cutters",
        "source_name": "Harbour Line Daily",
        "subjects": [subject.pk],
        "lead_note": "More *hulls*.",
        "body": "Key paragraph [[with a note]].\n\n[[A block note.]]",
        "status": "draft",
        "published_at_0": now.strftime("%Y-%m-%d"),
        "published_at_1": now.strftime("%H:%M:%S"),
        "comments_close_at_0": "",
        "comments_close_at_1": "",
    }
    data.update(overrides)
    return data


def _run_action(client, action, articles):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [a.pk for a in articles]}, follow=True)


def test_editor_is_not_a_superuser_and_reaches_the_admin(editor_client, editor):
    assert not editor.is_superuser
    html = editor_client.get(reverse("admin:index")).content.decode()
    assert "Articles" in html and "Subjects" in html


def test_editor_adds_a_draft_story_and_it_is_rendered_and_stamped(editor_client, editor, region, subject):
    response = editor_client.post(ADD, _story_form(region, subject))
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get()
    assert article.posted_by == editor
    assert article.status == Article.Status.DRAFT
    assert f'<span class="note note-e{editor.pk}">' in article.body_html
    assert 'role="note"' in article.body_html
    assert article.lead_note_html == "More <em>hulls</em>."
    assert list(article.subjects.all()) == [subject]


def test_change_form_shows_the_rendered_body_and_a_preview_hook(editor_client, make_article):
    article = make_article(status=Article.Status.DRAFT, body="Body [[noted]].")
    html = editor_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'class="rendered-preview"' in html
    assert f'data-preview-url="{reverse("admin:articles_article_preview")}"' in html
    assert "noted</span>" in html
    assert "js/admin-preview.js" in html


def test_preview_renders_the_posted_body_without_saving(editor_client, editor):
    response = editor_client.post(
        reverse("admin:articles_article_preview"), {"body": "Draft [[@mara with a note]] <script>x</script>"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<span class="note note-e{editor.pk}">' in html
    assert "<script" not in html
    assert Article.objects.count() == 0


def test_preview_refuses_what_saving_would_refuse_with_the_same_message(editor_client, editor):
    response = editor_client.post(reverse("admin:articles_article_preview"), {"body": "Hm [[@nobody who is this]]"})
    assert '<p class="errornote">No editor called nobody' in response.content.decode()


def test_preview_shows_the_lead_note_and_body_as_the_story_page_does(editor_client, editor, make_article):
    article = make_article(body="Same [[note]] here.", lead_note="A *lead* note.")
    response = editor_client.post(
        reverse("admin:articles_article_preview"),
        {"body": article.body, "lead_note": article.lead_note, "story": article.pk},
    )
    story_page = editor_client.get(article.get_absolute_url()).content.decode()
    preview = response.content.decode()
    assert '<p class="lead-note">A <em>lead</em> note.</p>' in preview
    assert preview.strip() in story_page  # the same markup readers get


def test_preview_credits_the_storys_editor_not_the_one_previewing(client, make_editor, make_article):
    owner = make_editor("tobias", first_name="Tobias", last_name="Reyes")
    other = make_editor("nadia")
    article = make_article(body="x", posted_by=owner)
    client.force_login(other)
    response = client.post(reverse("admin:articles_article_preview"), {"body": "Plain [[note]].", "story": article.pk})
    assert f'class="note note-e{owner.pk}"' in response.content.decode()


@pytest.mark.parametrize("story", ["\u00b2", "\u0663", "9" * 30, "-1", " 1", ""])
def test_preview_takes_any_story_field_as_a_new_story(editor_client, editor, story):
    # The story field comes from the page's script; whatever it holds, the preview is the editor's own, never a 500.
    response = editor_client.post(
        reverse("admin:articles_article_preview"), {"body": "Plain [[note]].", "story": story}
    )
    assert response.status_code == 200
    assert f'class="note note-e{editor.pk}"' in response.content.decode()


def test_preview_refuses_get_and_readers(editor_client, db):
    assert editor_client.get(reverse("admin:articles_article_preview")).status_code == 405
    response = Client().post(reverse("admin:articles_article_preview"), {"body": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_unknown_editor_in_a_note_is_refused_with_a_clear_message(editor_client, region, subject):
    response = editor_client.post(ADD, _story_form(region, subject, body="Text [[@ghost a note]]"))
    assert response.status_code == 200
    assert "No editor called ghost" in response.content.decode()
    assert not Article.objects.exists()


def test_over_long_body_is_refused_with_the_limit(editor_client, region, subject):
    response = editor_client.post(ADD, _story_form(region, subject, body="x" * (MAX_BODY_CHARS + 1)))
    assert f"the most a story can hold is {MAX_BODY_CHARS:,}" in response.content.decode()
    assert not Article.objects.exists()


def test_editor_publishes_drafts_with_the_action(editor_client, make_article):
    reader = Client()
    draft = make_article(status=Article.Status.DRAFT, title="Now public")
    assert reader.get(draft.get_absolute_url()).status_code == 404
    response = _run_action(editor_client, "publish", [draft])
    assert "Published 1 story." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    assert reader.get(draft.get_absolute_url()).status_code == 200


def test_the_publish_action_leaves_a_draft_whose_comments_would_close_before_publication(editor_client, make_article):
    late = make_article(status=Article.Status.DRAFT, title="Filed late")
    Article.objects.filter(pk=late.pk).update(comments_close_at=timezone.now() - dt.timedelta(hours=1))
    ready = make_article(status=Article.Status.DRAFT, title="Ready to go")
    html = _run_action(editor_client, "publish", [late, ready]).content.decode()
    assert "Published 1 story." in html
    assert "Not published: “Filed late”. Comments would close before publication" in html
    late.refresh_from_db()
    ready.refresh_from_db()
    assert (late.status, ready.status) == (Article.Status.DRAFT, Article.Status.PUBLISHED)


def test_the_story_list_links_each_storys_comments_in_the_comment_list(editor_client, make_article):
    from comments.services import comment_create

    story = make_article(title="Argued over")
    for n in range(2):
        comment_create(article_id=story.pk, nic=f"Nic {n}", body=f"Point {n}.", owner_token=f"t{n}")
    html = editor_client.get(CHANGELIST).content.decode()
    link = reverse("admin:comments_comment_changelist") + f"?story={story.pk}"
    assert f'<a href="{link}">2 comments</a>' in html
    listed = editor_client.get(link).content.decode()
    assert "Point 0." in listed and "Point 1." in listed


def test_editor_unpublishes_with_the_action(editor_client, make_article):
    story = make_article()
    _run_action(editor_client, "unpublish", [story])
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT


def test_editor_closes_and_reopens_comments(editor_client, make_article):
    reader = Client()
    story = make_article()
    response = _run_action(editor_client, "close_comments", [story])
    assert "Closed comments on 1 story." in response.content.decode()
    assert "Sorry. Comments have been closed" in reader.get(story.get_absolute_url()).content.decode()
    _run_action(editor_client, "reopen_comments", [story])
    story.refresh_from_db()
    assert not story.comments_closed
    assert "Sorry. Comments have been closed" not in reader.get(story.get_absolute_url()).content.decode()


def test_staff_without_the_publish_permission_do_not_get_the_action(client, django_user_model, make_article):
    helper = django_user_model.objects.create_user("helper", password="x", is_staff=True)
    helper.user_permissions.add(*Permission.objects.filter(codename__in=["view_article", "change_article"]))
    client.force_login(helper)
    story = make_article(status=Article.Status.DRAFT)
    html = client.get(CHANGELIST).content.decode()
    assert 'value="publish"' not in html
    assert 'value="close_comments"' not in html
    _run_action(client, "publish", [story])
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT


def test_changelist_shows_region_status_and_comment_state(editor_client, make_article):
    make_article(title="Open one")
    make_article(title="Closed one", comments_closed=True)
    make_article(title="Later one", published_at=timezone.now() + dt.timedelta(days=1))
    html = editor_client.get(CHANGELIST).content.decode()
    assert "Scheduled" in html and "Published" in html
    assert "open until" in html and ">closed<" in html
    assert html.count("open from publication until") == 1  # the scheduled one: nobody can comment on it yet
    assert "China-Japan-Koreas" in html


def test_changelist_queries_do_not_grow_with_stories(editor_client, make_article, django_assert_max_num_queries):
    make_article()
    editor_client.get(CHANGELIST)
    with django_assert_max_num_queries(12) as one:
        editor_client.get(CHANGELIST)
    for _ in range(20):
        make_article()
    with django_assert_max_num_queries(12) as many:
        editor_client.get(CHANGELIST)
    assert len(one) == len(many)


def test_subject_autocomplete_works_for_editors(editor_client, subject):
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "Ship", "app_label": "articles", "model_name": "article", "field_name": "subjects"},
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["text"] == "Shipping"


def test_editor_sees_and_changes_only_their_own_profile(editor_client, editor, make_editor):
    other = make_editor("tobias", colour="#dce8fb")
    changelist = editor_client.get(reverse("admin:articles_editorprofile_changelist")).content.decode()
    assert "mara" in changelist and "tobias" not in changelist
    url = reverse("admin:articles_editorprofile_change", args=[other.editor_profile.pk])
    assert editor_client.get(url).status_code == 302  # not found for them: back to the index with a message
    own = reverse("admin:articles_editorprofile_change", args=[editor.editor_profile.pk])
    response = editor_client.post(own, {"note_colour": "#ffeeee"})
    assert response.status_code == 302
    editor.editor_profile.refresh_from_db()
    assert editor.editor_profile.note_colour == "#ffeeee"


def test_bad_colour_is_refused(editor_client, editor):
    own = reverse("admin:articles_editorprofile_change", args=[editor.editor_profile.pk])
    response = editor_client.post(own, {"note_colour": "#12345g"})
    assert "six hex digits" in response.content.decode()


def _staff_without(django_user_model, *missing):
    user = django_user_model.objects.create_user("helper", password="x", is_staff=True)
    codenames = ["add_article", "change_article", "view_article", "publish_article", "close_comments", "view_subject"]
    user.user_permissions.add(*Permission.objects.filter(codename__in=[c for c in codenames if c not in missing]))
    return user


def test_without_the_publish_permission_the_form_cannot_publish(client, django_user_model, region, subject):
    client.force_login(_staff_without(django_user_model, "publish_article"))
    response = client.post(ADD, _story_form(region, subject, status="published"))
    assert response.status_code == 302
    assert Article.objects.get().status == Article.Status.DRAFT


def _change_form(client, story, subject) -> dict:
    """The story's change form as the editor's browser would send it back, unchanged."""
    page = client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    version = re.search(r'name="opened_version" value="([^"]*)"', page).group(1)
    form = _story_form(story.region, subject)
    local = timezone.localtime(story.published_at)
    form.update(title=story.title, slug=story.slug, lead_note=story.lead_note, body=story.body,
                status=story.status, opened_version=version, published_at_0=local.strftime("%Y-%m-%d"),
                published_at_1=local.strftime("%H:%M:%S"))  # fmt: skip
    return form


@pytest.mark.parametrize(
    "picture", ["![The harbour](https://pics.example.net/h.jpg)", "![The harbour][map]", "[foto]harbour-map[/foto]"]
)
def test_a_picture_in_a_story_is_refused_with_how_to_link_to_it(editor_client, region, subject, picture):
    response = editor_client.post(ADD, _story_form(region, subject, body=f"Key paragraph.\n\n{picture}"))
    html = response.content.decode()
    in_lead = editor_client.post(ADD, _story_form(region, subject, lead_note=f"Look: {picture}"))
    assert in_lead.status_code == 200 and "Stories do not show pictures" in in_lead.content.decode()
    assert response.status_code == 200 and "Stories do not show pictures" in html
    assert not Article.objects.exists()
    preview = editor_client.post(reverse("admin:articles_article_preview"), {"body": picture})
    assert "Stories do not show pictures" in preview.content.decode()


def test_a_note_crediting_an_editor_by_the_wrong_case_is_refused_with_the_right_spelling(editor_client, make_editor):
    make_editor("tobias", colour="#dce8fb")
    response = editor_client.post(reverse("admin:articles_article_preview"), {"body": "Hm [[@Tobias his remark]]"})
    assert "No editor called Tobias (did you mean tobias?)" in response.content.decode()


@pytest.mark.parametrize(
    ("body", "refused"),
    [("[[note with [[nested]] brackets]]", True), ("[[one]] and [[two]]", False), ("[[a]]\n\n[[@mara b]]", False)],
)
def test_a_note_inside_a_note_is_refused(editor_client, body, refused):
    response = editor_client.post(reverse("admin:articles_article_preview"), {"body": body})
    assert ("A note cannot hold another" in response.content.decode()) == refused


def test_the_add_form_sent_again_files_no_second_story(editor_client, region, subject):
    form = _story_form(region, subject)
    assert editor_client.post(ADD, form).status_code == 302
    again = editor_client.post(ADD, form)  # the back button brings the filled form back; Save is pressed again
    html = again.content.decode()
    assert again.status_code == 200 and "This story is filed already</a>" in html
    assert reverse("admin:articles_article_change", args=[Article.objects.get().pk]) in html
    assert editor_client.post(ADD, {**form, "title": "Coast guard adds cutters, part two"}).status_code == 302
    assert Article.objects.count() == 2


def test_a_save_over_another_editors_later_save_is_refused_then_taken_knowingly(
    editor_client, make_editor, make_article, subject
):
    story = make_article(title="Coast guard adds cutters")
    chief = Client()
    chief.force_login(make_editor("chief", first_name="Ruth", last_name="Okafor", colour="#ffe6b3", superuser=True))
    mine, theirs = _change_form(editor_client, story, subject), _change_form(chief, story, subject)
    assert (
        chief.post(
            reverse("admin:articles_article_change", args=[story.pk]),
            {**theirs, "title": "Coast guard adds six cutters"},
        ).status_code
        == 302
    )

    response = editor_client.post(
        reverse("admin:articles_article_change", args=[story.pk]), {**mine, "lead_note": "Hm."}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ruth Okafor saved this story at" in html and "your changes are not saved yet" in html
    assert ">\nHm.</textarea>" in html  # what the editor typed is still in the form
    lead_note = story.lead_note
    story.refresh_from_db()
    assert (story.title, story.lead_note) == ("Coast guard adds six cutters", lead_note)

    # Saving again from that page is a choice made knowing it.
    version = re.search(r'name="opened_version" value="([^"]*)"', html).group(1)
    again = editor_client.post(
        reverse("admin:articles_article_change", args=[story.pk]),
        {**mine, "title": "Coast guard adds six cutters", "lead_note": "Hm.", "opened_version": version},
    )
    assert again.status_code == 302
    story.refresh_from_db()
    assert (story.title, story.lead_note) == ("Coast guard adds six cutters", "Hm.")


def test_without_the_close_permission_the_form_cannot_close(client, django_user_model, make_article):
    client.force_login(_staff_without(django_user_model, "close_comments"))
    story = make_article()
    html = client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert 'name="comments_closed"' not in html
    assert 'name="status"' in html


def test_publishing_an_old_draft_publishes_it_now(editor_client, make_article):
    old = make_article(status=Article.Status.DRAFT, published_at=timezone.now() - dt.timedelta(days=20))
    _run_action(editor_client, "publish", [old])
    old.refresh_from_db()
    assert timezone.now() - old.published_at < dt.timedelta(minutes=1)
    assert old.comments_open()


def test_the_publish_action_on_a_scheduled_story_says_how_to_publish_it_now(editor_client, make_article):
    scheduled = make_article(title="Ferries in May", published_at=timezone.now() + dt.timedelta(days=1))
    html = _run_action(editor_client, "publish", [scheduled]).content.decode()
    assert "Published 0 stories." in html
    assert "Already scheduled: “Ferries in May” (" in html and "set Published at to now" in html


def test_publishing_a_scheduled_draft_keeps_its_time(editor_client, make_article):
    later = timezone.now() + dt.timedelta(days=2)
    draft = make_article(status=Article.Status.DRAFT, published_at=later)
    _run_action(editor_client, "publish", [draft])
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED and draft.published_at == later.replace(
        microsecond=later.microsecond
    )


@pytest.mark.parametrize("colour", ["#202020", "#8a1c1c"])
def test_a_shade_too_dark_for_the_notes_text_is_refused(editor_client, editor, colour):
    own = reverse("admin:articles_editorprofile_change", args=[editor.editor_profile.pk])
    page = editor_client.post(own, {"note_colour": colour}).content.decode()
    assert f"{colour} is too dark for notes" in page and "Pick a lighter shade" in page
    editor.editor_profile.refresh_from_db()
    assert editor.editor_profile.note_colour == "#d8f0d2"


@pytest.mark.parametrize("colour", ["#ffffff", "#fafafa", "#f5f5f5"])
def test_a_shade_readers_cannot_tell_from_the_page_is_refused(editor_client, editor, colour):
    own = reverse("admin:articles_editorprofile_change", args=[editor.editor_profile.pk])
    page = editor_client.post(own, {"note_colour": colour}).content.decode()
    assert f"{colour} is too close to the page" in page
    assert f"mara ({colour})" not in page  # the page's title and breadcrumbs do not show it as saved
    editor.editor_profile.refresh_from_db()
    assert editor.editor_profile.note_colour == "#d8f0d2"


@pytest.mark.parametrize(
    "publish_in, close_in",
    [
        (dt.timedelta(days=2), dt.timedelta(days=1)),  # scheduled for Wednesday, closing on Tuesday
        # A draft dated yesterday, published now: its comments closed last night, before it reaches readers.
        (-dt.timedelta(days=1), -dt.timedelta(hours=15)),
    ],
)
def test_comments_set_to_close_before_publication_are_refused_with_the_story_kept(
    editor_client, region, subject, publish_in, close_in
):
    now = timezone.localtime()
    publish, close = now + publish_in, now + close_in
    data = _story_form(
        region, subject, status="published",
        published_at_0=publish.strftime("%Y-%m-%d"), published_at_1=publish.strftime("%H:%M:%S"),
        comments_close_at_0=close.strftime("%Y-%m-%d"), comments_close_at_1=close.strftime("%H:%M:%S"),
    )  # fmt: skip
    response = editor_client.post(ADD, data)
    html = response.content.decode()
    assert response.status_code == 200 and "Comments would close before the story is published" in html
    # A draft dated earlier is published now: the message says that is the time it is measured against.
    assert ("as a draft dated earlier is" in html) == (publish_in < dt.timedelta(0))
    assert "Key paragraph [[with a note]]." in html  # the body typed is still in the form
    assert not Article.objects.exists()
