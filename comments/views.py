"""Posting comments (post/redirect/get), preview, Pic-a-Nic, the nic pages, and readers' flags."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import DatabaseError, InterfaceError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from articles.models import Article
from articles.views import render_story_page
from rantboard.addresses import number_from
from rantboard.client_ip import client_ip, unreadable_source

from . import defences, services
from .bans import banned
from .forms import CommentForm
from .models import Comment, Commenter, Flag, nic_url
from .nics import MAX_NIC_LENGTH, clean_nic, nic_key, random_nic
from .visitor import LAST_POST_COOKIE, LAST_POST_SALT, NIC_COOKIE, WEBSITE_COOKIE, remembered_nic

logger = logging.getLogger(__name__)

OWNER_COOKIE = "rb_owner"  # the random token that owns this browser's nics (signed, HttpOnly)
COOKIE_AGE = 60 * 60 * 24 * 365 * 2
NO_ADDRESS_MESSAGE = (
    "Your comment could not be posted: the board could not tell which address it came from. "
    "Your text is kept below; if this keeps happening, please tell the editors."
)
EDIT_RATE_MESSAGE = (
    "You are posting and editing faster than the board allows. Wait {wait} seconds and save again; your text is kept "
    "below."
)
EDIT_NO_ADDRESS_MESSAGE = (
    "The board could not tell which address this came from, so it cannot take an edit from it. "
    "If this keeps happening, please tell the editors."
)


def owner_token(request) -> str:
    return request.get_signed_cookie(OWNER_COOKIE, default="", salt="rantboard.owner") or ""


def _first_owner_token(request, submission_token: str) -> str:
    """The owner token of a browser that has none yet, made from its form's one-time token: the same form sent twice
    at once (a double click without JavaScript), neither request carrying the cookie the other will set, claims its
    nic for one owner and posts once, instead of the second being told the nic is another's and keeping a cookie that
    does not own it. The stamp alone is not enough: a forged cross-site post chooses the stamp that the "not posted
    yet" page sends back, so its sender would know the token of the nic posted from that page. The browser's CSRF
    cookie, which a post cannot pass the CSRF check without and no other browser knows, goes into the token too."""
    browser = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not submission_token or not browser:
        return secrets.token_urlsafe(32)
    return salted_hmac("rantboard.first-owner", f"{submission_token}:{browser}", algorithm="sha256").hexdigest()


def _story_page(request, pk: int, *, form: CommentForm, status: int = 200, **context) -> HttpResponse:
    """The story page again, with the form as the commenter left it and what they are told about it."""
    article = get_object_or_404(Article.objects.visible().for_page(), pk=pk)
    if not article.comments_open():
        status = 403  # whatever else was wrong: the page says it is closed and keeps the text to copy
    return render_story_page(request, article, status=status, comment_form=form, **context)


RETRY_AFTER_SECONDS = 30


@require_http_methods(["GET", "HEAD", "POST"])
def post_comment(request, pk: int):
    """Post, preview, or (without JavaScript) fill in a nic; a refused comment comes back with its text intact, and
    so does one the board could not store (503)."""
    if request.method != "POST":
        # Without JavaScript a refused post or a preview stays at this address, and links relative to it (a
        # comment's Quote, ?quote=N) ask for it: they are sent on to the story itself.
        article = get_object_or_404(Article.objects.visible(), pk=pk)
        query = request.META.get("QUERY_STRING", "")
        return redirect(article.get_absolute_url() + (f"?{query}" if query else ""))
    try:
        return _post_comment(request, pk)
    except (DatabaseError, InterfaceError):  # InterfaceError (a connection already closed) is not a DatabaseError
        logger.exception("a comment to story %s could not be posted", pk)
        response = post_not_stored(request, pk, status=503, retry_after=RETRY_AFTER_SECONDS)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def post_not_stored(request, pk: int, *, status: int, **context) -> HttpResponse:
    """A post that was not stored for a reason that is not its text (the database is away: 503; the form's CSRF key
    was refused: 403, from rantboard.errors): the reason, and the commenter's text back in CommentForm's fields,
    every one in view. Reads neither the database nor the cache."""
    form = CommentForm(request.POST, story_pk=pk)
    context |= {"form": form, "story_pk": pk, "stamp": request.POST.get("stamp", ""), "max_nic_length": MAX_NIC_LENGTH}
    return render(request, "comments/post_unavailable.html", context, status=status)


def _post_comment(request, pk: int) -> HttpResponse:
    form = CommentForm(request.POST, story_pk=pk, user=request.user)
    if "picanic" in request.POST or "original_nic" in request.POST:
        # The buttons without JavaScript: fill in the nic, keep everything else as typed, post nothing.
        if not get_object_or_404(Article.objects.visible(), pk=pk).comments_open():
            # Closed while they typed: the page says so and gives the text back, as it does to a post.
            return _story_page(request, pk, form=form)
        initial = {name: request.POST.get(name, "") for name in ("nic", "email", "website", "body")}
        note = None
        if "picanic" in request.POST:
            initial["nic"] = random_nic(services.nic_is_taken)
        elif remembered_nic(request):
            initial["nic"] = remembered_nic(request)
        else:
            note = "This browser has not posted a comment yet, so there is no nic to restore."
        return _story_page(request, pk, form=CommentForm(story_pk=pk, initial=initial), nic_note=note)
    if not form.is_valid():
        return _story_page(request, pk, form=form, status=400)
    if "preview" in request.POST:
        # body_html is the comment renderer's own output, sanitised by it.
        return _story_page(request, pk, form=form, comment_preview=mark_safe(form.body_html))  # noqa: S308
    form.check_for_posting()
    if form.errors:
        return _story_page(request, pk, form=form, status=400)

    ip = client_ip(request)
    if ip is None:
        # Bans and limits are by address: a post without one would pass them all. Refused, and logged, because
        # the usual cause is the deployment's (a proxy that sends no usable header, a socket with no address).
        logger.warning("Comment refused: no readable client address (%s)", unreadable_source(request))
        return _story_page(request, pk, form=form, status=400, comment_error=NO_ADDRESS_MESSAGE)
    nic = form.cleaned_data["nic"]
    token = owner_token(request) or _first_owner_token(request, form.submission_token)
    # Bans and ownership first (comment_create asks both again): a try that either refuses must not count against the
    # nic's owner.
    refusal = _check_ban(nic, ip)
    if refusal is None and (taken := services.nic_claimed_by_another(nic, token)):
        form.add_error(taken.field, taken.message)
        return _story_page(request, pk, form=form, status=400)
    refusal = refusal or defences.check_rate(ip=ip, nic_key=nic_key(nic))
    if refusal:
        response = _story_page(request, pk, form=form, status=refusal.status, comment_error=refusal.message)
        if refusal.retry_after:
            response["Retry-After"] = str(refusal.retry_after)
        return response

    try:
        posted = services.comment_create(
            article_id=pk,
            nic=nic,
            body=form.cleaned_data["body"],
            email=form.cleaned_data["email"],
            website=form.cleaned_data["website"],
            ip=ip,
            owner_token=token,
            submission_token=form.submission_token or None,
            body_html=form.body_html,
        )
    except Article.DoesNotExist as exc:
        raise Http404("No such story.") from exc
    except services.CommentRefused as refusal:
        if refusal.field:
            form.add_error(refusal.field, refusal.message)
            return _story_page(request, pk, form=form, status=400)
        return _story_page(request, pk, form=form, status=refusal.status, comment_error=refusal.message)

    response = redirect(posted.comment.get_absolute_url())
    secure = request.is_secure()
    response.set_cookie(
        NIC_COOKIE, quote(posted.comment.nic), max_age=COOKIE_AGE, samesite="Lax", secure=secure, httponly=False
    )
    comment = posted.comment
    response.set_signed_cookie(
        LAST_POST_COOKIE, f"{comment.article_id}:{comment.number}:{comment.created_at.timestamp():.0f}",
        salt=LAST_POST_SALT, max_age=settings.COMMENT_EDIT_MINUTES * 60, samesite="Lax", secure=secure, httponly=True,
    )  # fmt: skip
    if posted.comment.website:
        response.set_cookie(
            WEBSITE_COOKIE, quote(posted.comment.website), max_age=COOKIE_AGE, samesite="Lax", secure=secure,
            httponly=True,
        )  # fmt: skip
    else:
        response.delete_cookie(WEBSITE_COOKIE, samesite="Lax")
    response.set_signed_cookie(
        OWNER_COOKIE, token, salt="rantboard.owner", max_age=COOKIE_AGE, samesite="Lax", secure=secure, httponly=True
    )
    return response


def _check_ban(nic: str, ip: str | None) -> defences.Refusal | None:
    if banned(nic=nic, ip=ip):
        return defences.Refusal(services.BANNED_MESSAGE, status=403)
    return None


@require_POST
def preview(request):
    """The toolbar's Preview button: the server renderer, same as a posted comment, without saving. The story's
    address (?story=N, from the form) is where its quotes are checked; without one they are shown as typed."""
    story_pk = number_from(request.GET.get("story", ""), digits=9)
    form = CommentForm({"nic": "preview", "body": request.POST.get("body", "")}, story_pk=story_pk)
    if not form.is_valid() and "body" in form.errors:
        return JsonResponse({"error": form.errors["body"][0]}, status=400)
    return JsonResponse({"html": form.body_html})


@require_safe
def pick_nic(request):
    """Pic-a-Nic: a made-up first name, surname and four digits that nobody uses yet."""
    response = JsonResponse({"nic": random_nic(services.nic_is_taken)})
    response["Cache-Control"] = "no-store"
    return response


class CountedPaginator(Paginator):
    """A paginator told its count instead of asking the database."""

    def __init__(self, *args, count: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


@require_safe
def nic_page(request, nic: str):
    key = nic_key(nic)
    if not key:
        raise Http404("No such nic.")
    commenter = get_object_or_404(Commenter, key=key)
    shown = clean_nic(commenter.nic)
    if nic != shown:
        # "Alice   Tester", "ALICE TESTER" and a fullwidth "Alice" are one commenter with one page, the nic as shown:
        # answered before anything is cached, so other spellings are not pages of their own.
        query = request.META.get("QUERY_STRING", "")  # only the page number gets this far (cached_page)
        return redirect(nic_url(shown) + (f"?{query}" if query else ""), permanent=True)
    # The commenter's own count pages the history (a COUNT over a prolific nic's comments is not free). A page is
    # found by its comments' ids alone, along the nic's covering index (comment_nic_history), and only its thirty
    # comments are read whole: a page deep in the history of a nic with tens of thousands of comments skips them in
    # the index instead of reading and sorting every one.
    history = commenter.comments.visible().order_by("-created_at", "-id").values("pk")
    paginator = CountedPaginator(history, 30, count=commenter.comment_count)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404("No such page.") from exc
    comments = list(Comment.objects.filter(pk__in=page.object_list).with_story().order_by("-created_at", "-id"))
    if page.number > 1 and not comments:
        # The count includes comments under stories scheduled for later (Comment.objects.counted): the last page it
        # promises may hold nothing yet.
        raise Http404("No such page.")
    return render(
        request,
        "comments/nic_detail.html",
        {"commenter": commenter, "page_obj": page, "comments": comments},
    )


FLAGGER_COOKIE = "rb_flagger"  # the random token that makes one flag per browser per comment (signed, HttpOnly)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with it?",
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason: the editors read flags by their reason."},
    )


def flag_comment(request, pk: int, number: int):
    """Flag a comment for the editors, with a reason: a small page of its own, so it works without JavaScript. The
    address names the story and the comment's number, which its stored row knows before the comment has an id."""
    comment = get_object_or_404(
        Comment.objects.visible().public().filter(redacted=False).select_related("article"), article=pk, number=number
    )
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = FlagForm(request.POST if request.method == "POST" else None)
    context = {"comment": comment, "form": form}
    token = request.get_signed_cookie(FLAGGER_COOKIE, default="", salt="rantboard.flagger")
    if request.method != "POST" and token and services.flagged_already(comment=comment, flagger_token=token):
        # Asked again from the same browser: say it is done rather than offer a form that would add nothing.
        return render(request, "comments/flag.html", {**context, "flagged": True, "again": True})
    if request.method != "POST" or not form.is_valid():
        return render(request, "comments/flag.html", context, status=400 if form.is_bound else 200)
    # A repeat (a reload, a second click) adds nothing, so it must not use up the address's allowance either: the
    # limit is there against burying the queue, and a repeat buries nothing.
    if services.flagged_already(comment=comment, flagger_token=token):
        return render(request, "comments/flag.html", {**context, "flagged": True, "again": True})
    refusal = defences.check_flag_rate(ip=client_ip(request))
    if refusal:
        response = render(request, "comments/flag.html", {**context, "refusal": refusal.message}, status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    token = token or secrets.token_urlsafe(32)
    new = services.flag_create(comment=comment, reason=form.cleaned_data["reason"], flagger_token=token)
    response = render(request, "comments/flag.html", {**context, "flagged": True, "again": not new})
    response.set_signed_cookie(
        FLAGGER_COOKIE, token, salt="rantboard.flagger", max_age=COOKIE_AGE, samesite="Lax",
        secure=request.is_secure(), httponly=True,
    )  # fmt: skip
    return response


class CommentEditForm(forms.Form):
    """The author's new text: the same field, limits and checks as posting (CommentForm's)."""

    body = CommentForm.base_fields["body"]

    def __init__(self, *args, story_pk: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.story_pk = story_pk  # the story whose comments its quotes are checked against
        self.body_html = ""

    clean_body = CommentForm.clean_body


def _own_comment(pk: int, number: int) -> Comment:
    return get_object_or_404(
        Comment.objects.visible().public().select_related("article", "commenter"), article=pk, number=number
    )


def edit_comment(request, pk: int, number: int):
    """The author edits their comment (COMMENT_EDIT_MINUTES after posting, from the browser that posted it, while
    neither its nic nor the address is banned); a refused or invalid edit comes back with the reason and the new text
    kept. Works without JavaScript."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    typed = request.POST.get("body", "") if request.method == "POST" else None
    # Removed comments too: their author gets the reason rather than a bare 404.
    comment = get_object_or_404(
        Comment.objects.under_visible_stories().public().select_related("article", "commenter"),
        article=pk,
        number=number,
    )
    if comment.removed:
        return _edit_refused(request, comment, services.REMOVED_MESSAGE, typed=typed, status=404)
    token = owner_token(request)
    # Bans hold edits as they hold posts (a banned nic rewriting its comments after its flags were closed by the ban
    # would go unseen), and are asked by address, so an edit from no readable address is refused as a post is.
    ip = client_ip(request)
    if ip is None:
        logger.warning("Edit refused: no readable client address (%s)", unreadable_source(request))
        return _edit_refused(request, comment, EDIT_NO_ADDRESS_MESSAGE, typed=typed, status=400)
    if banned(nic=comment.nic, ip=ip):
        return _edit_refused(request, comment, services.EDIT_BANNED_MESSAGE, typed=typed, can_post=False)
    # Say so before anything is typed: a form that can only be refused wastes the typing. (The write asks again, with
    # the comment locked.)
    if refusal := services.edit_refusal(comment=comment, owner_token=token):
        return _edit_refused(request, comment, refusal, typed=typed)
    if request.method != "POST":
        form = CommentEditForm(initial={"body": comment.body}, story_pk=comment.article_id)
        return render(request, "comments/edit.html", {"comment": comment, "form": form})
    form = CommentEditForm(request.POST, story_pk=comment.article_id)
    if not form.is_valid():
        return render(request, "comments/edit.html", {"comment": comment, "form": form}, status=400)
    if form.cleaned_data["body"] == comment.body:
        return redirect(comment.get_absolute_url())  # saved as it was: not an edit, so no revision and no mark
    # Counted with posts, by address and nic (each edit stores a revision and retires cached pages, as a post adds a
    # comment), and only once it would be saved: refused tries, another browser's among them, use up nothing.
    if limited := defences.check_rate(ip=ip, nic_key=nic_key(comment.nic)):
        message = EDIT_RATE_MESSAGE.format(wait=limited.retry_after)
        context = {"comment": comment, "form": form, "comment_error": message}
        response = render(request, "comments/edit.html", context, status=limited.status)
        response["Retry-After"] = str(limited.retry_after)
        return response
    try:
        services.comment_edit_by_author(
            comment_id=comment.pk, owner_token=token, body=form.cleaned_data["body"], body_html=form.body_html, ip=ip
        )
    except services.CommentRefused as refusal:
        return _edit_refused(request, comment, refusal.message, typed=typed)
    return redirect(comment.get_absolute_url())


def _edit_refused(
    request, comment: Comment, refusal: str, *, typed: str | None, status: int = 403, can_post: bool = True
) -> HttpResponse:
    """The reason, no way to save, and what was typed (never lost) with the story's comment form to post it at, if
    the story still takes comments and a post would not be refused too (`can_post`)."""
    can_post = can_post and comment.article.comments_open()
    context = {"comment": comment, "refusal": refusal, "typed": typed, "can_post": can_post}
    return render(request, "comments/edit.html", context, status=status)


@require_safe
def comment_history(request, pk: int, number: int):
    """Every text a comment had before its author edited it, until an editor steps in: what an editor took out (a
    phone number) may be in those texts, so from then on the page says so and shows only the text as it stands. The
    editors see every text in the admin."""
    comment = _own_comment(pk, number)
    if comment.redacted:
        raise Http404("An editor has removed this comment's text.")
    # A never-edited comment's history is not an error but an empty history (200, saying so): its address is as
    # well-formed as an edited one's, and an edit only adds to it; a 404 would read as "no such comment". So is one
    # an editor has changed: its address was public, and the note under the comment says what happened.
    revisions = [] if comment.editors_stepped_in else list(comment.revisions.all())
    return render(request, "comments/history.html", {"comment": comment, "revisions": revisions})
