"""Posting comments (post/redirect/get), preview, Pic-a-Nic, and the nic pages."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from articles.models import Article
from articles.reads import story_for_page, story_for_posting
from articles.views import render_story_page
from rantboard.client_ip import client_ip

from . import defences, moderation, services
from .forms import CommentForm
from .models import Commenter
from .nics import nic_key, random_nic
from .slots import remembered_nic

NIC_COOKIE = "rb_nic"  # the nic this browser last posted under (read by the toolbar script for "My Original Nic")
OWNER_COOKIE = "rb_owner"  # the random token that owns this browser's nics (signed, HttpOnly)
COOKIE_AGE = 60 * 60 * 24 * 365 * 2


def owner_token(request) -> str:
    return request.get_signed_cookie(OWNER_COOKIE, default="", salt="rantboard.owner") or ""


def _story_page(request, article: Article, *, form: CommentForm, status: int = 200, **extra) -> HttpResponse:
    found = story_for_page(article.pk)  # posting read only the columns it needs; the page shows the rest
    if found is None:
        raise Http404("No such story.")
    article, subjects = found
    context = {"article": article, "subjects": subjects, "comment_form": form, **extra}
    return render_story_page(request, context, status=status)


@require_POST
def post_comment(request, pk: int):
    """Post, preview, or (without JavaScript) fill in a nic; a refused comment comes back with its text intact."""
    article = story_for_posting(pk, published=True)
    if article is None:
        raise Http404("No such story.")
    form = CommentForm(request.POST, user=request.user)
    if "picanic" in request.POST or "original_nic" in request.POST:
        # The buttons without JavaScript: fill in the nic, keep everything else as typed, post nothing.
        initial = {name: request.POST.get(name, "") for name in form.fields}
        note = None
        if "picanic" in request.POST:
            initial["nic"] = random_nic(services.nic_is_taken)
        elif remembered_nic(request):
            initial["nic"] = remembered_nic(request)
        else:
            note = "This browser has not posted a comment yet, so there is no nic to restore."
        return _story_page(request, article, form=CommentForm(initial=initial), nic_note=note)
    if not article.comments_open():
        return _story_page(request, article, form=form, status=403, comment_error=services.CLOSED_MESSAGE)
    if not form.is_valid():
        return _story_page(request, article, form=form, status=400)
    if "preview" in request.POST:
        return _story_page(request, article, form=form, comment_preview=form.body_html)

    ip = client_ip(request)
    refusal = (
        defences.check_honeypot(request.POST.get("homepage", ""))
        or defences.check_stamp(request.POST.get("stamp", ""))
        or _check_ban(form.cleaned_data["nic"], ip)
        or defences.check_rate(ip=ip, nic_key=nic_key(form.cleaned_data["nic"]))
    )
    if refusal:
        response = _story_page(request, article, form=form, status=refusal.status, comment_error=refusal.message)
        if refusal.retry_after:
            response["Retry-After"] = str(refusal.retry_after)
        return response

    token = owner_token(request) or secrets.token_urlsafe(32)
    try:
        posted = services.comment_create(
            article=article,
            nic=form.cleaned_data["nic"],
            body=form.cleaned_data["body"],
            email=form.cleaned_data["email"],
            website=form.cleaned_data["website"],
            ip=ip,
            owner_token=token,
            submission_token=form.cleaned_data["token"] or None,
            body_html=form.body_html,
        )
    except services.CommentRefused as refusal:
        if refusal.field:
            form.add_error(refusal.field, refusal.message)
            return _story_page(request, article, form=form, status=400)
        return _story_page(request, article, form=form, status=403, comment_error=refusal.message)

    response = redirect(posted.comment.get_absolute_url())
    secure = request.is_secure()
    response.set_cookie(
        NIC_COOKIE, quote(posted.comment.nic), max_age=COOKIE_AGE, samesite="Lax", secure=secure, httponly=False
    )
    response.set_signed_cookie(
        OWNER_COOKIE, token, salt="rantboard.owner", max_age=COOKIE_AGE, samesite="Lax", secure=secure, httponly=True
    )
    return response


def _check_ban(nic: str, ip: str | None) -> defences.Refusal | None:
    if moderation.banned(nic=nic, ip=ip):
        return defences.Refusal(
            "Posting under this nic or from this address has been suspended by the editors. Your text is kept below.",
            status=403,
        )
    return None


@require_POST
def preview(request):
    """The toolbar's Preview button: the server renderer, same as a posted comment, without saving."""
    body = request.POST.get("body", "")
    form = CommentForm({"nic": "preview", "body": body})
    if not form.is_valid() and "body" in form.errors:
        return JsonResponse({"error": form.errors["body"][0]}, status=400)
    return JsonResponse({"html": form.body_html})


@require_GET
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


@require_GET
def nic_page(request, nic: str):
    key = nic_key(nic)
    if not key:
        raise Http404("No such nic.")
    commenter = get_object_or_404(Commenter, key=key)
    # The commenter's own count pages the history (a COUNT over a prolific nic's 70,000 comments is not free);
    # comments under stories unpublished since are left out of the page they fall on.
    comments = commenter.comments.shown().with_story().order_by("-created_at", "-id")
    paginator = CountedPaginator(comments, 30, count=commenter.comment_count)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404("No such page.") from exc
    now = timezone.now()
    page.object_list = [
        c for c in page.object_list if c.article.status == Article.Status.PUBLISHED and c.article.published_at <= now
    ]
    return render(
        request,
        "comments/nic_detail.html",
        {"commenter": commenter, "page_obj": page, "comments": page.object_list},
    )
