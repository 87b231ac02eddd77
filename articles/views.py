"""The reader's side of the stories: front page and day pages, lists, archives and the story page."""

from __future__ import annotations

import datetime as dt
import itertools

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.http import FileResponse, Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from rantboard.addresses import absolute_url, number_from
from rantboard.pagecache import cached_page, remember

from . import readership
from .models import (
    NOTES_CSS_CACHE_KEY,
    STORY_STATS_CACHE_KEY,
    Article,
    EditorProfile,
    Picture,
    Region,
    Subject,
    story_cache_key,
    visible_to_readers,
)

TABS_BEFORE = 3  # the day shown, and this many days before it
FIRST_YEAR, LAST_YEAR = 1900, 9998  # archive addresses outside these years are 404, not date arithmetic errors


def _date_or_404(year: int, month: int, day: int = 1) -> dt.date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("No such date.")
    try:
        return dt.date(year, month, day)
    except (ValueError, OverflowError) as exc:
        raise Http404("No such date.") from exc


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _site_stats(today: dt.date) -> dict[str, int]:
    """Stories archived and posted today: counts over the whole archive, so kept for a minute (or until a story is
    written: articles.services forgets them), like the comment figures beside them."""
    stats = cache.get(STORY_STATS_CACHE_KEY)
    if stats is None or stats["day"] != today:
        start, end = _day_bounds(today)
        # COUNT(*) is answered from the status-and-date index alone; COUNT("id") would read every story's row.
        stats = Article.objects.visible().aggregate(
            stories=Count("*"),
            stories_today=Count("published_at", filter=Q(published_at__gte=start, published_at__lt=end)),
        )
        stats["day"] = today
        cache.set(STORY_STATS_CACHE_KEY, stats, 60)
    return stats


def _latest_day() -> dt.date:
    """The front page's day: today, or the latest day with stories when today has none yet."""
    latest = Article.objects.visible().aggregate(latest=Max("published_at"))["latest"]
    return timezone.localdate(latest) if latest else timezone.localdate()


def _render_day(request, day: dt.date, *, front_day: dt.date, front_page: bool = False) -> HttpResponse:
    start, end = _day_bounds(day)
    stories = list(
        Article.objects.visible()
        .for_page()
        .filter(published_at__gte=start, published_at__lt=end)
        .order_by("region__position", "region__name", "-published_at")
    )
    subjects = (
        # One filter(): the day and the visibility apply to the same story.
        Subject.objects.filter(
            visible_to_readers("articles__"), articles__published_at__gte=start, articles__published_at__lt=end
        )
        .annotate(stories_today=Count("articles"))
        .order_by("-stories_today", "name")
    )
    groups = [(region, list(items)) for region, items in itertools.groupby(stories, key=lambda a: a.region)]
    today = timezone.localdate()
    # The tabs stay put while a reader moves between them: the front page's day and the days before it.
    tabs = [front_day - dt.timedelta(days=n) for n in range(TABS_BEFORE + 1)]
    context = {
        "day": day,
        "is_front": day == front_day,
        "is_today": day == today,
        "tabs": tabs,
        "stories": stories,
        "groups": groups,
        "subjects_today": subjects,
        # The board's figures, on the front page only: a past day's page would repeat today's.
        "stats": _site_stats(today) if front_page else None,
    }
    return render(request, "articles/day.html", context)


@require_safe
@cached_page
def front_page(request):
    """One day at a time: today, or the latest day with stories when today has none yet."""
    day = _latest_day()
    return _render_day(request, day, front_day=day, front_page=True)


@require_safe
@cached_page
def day_archive(request, year: int, month: int, day: int):
    date = _date_or_404(year, month, day)
    if date > timezone.localdate():
        raise Http404("That day has not happened yet.")
    return _render_day(request, date, front_day=_latest_day())


class UncountedPage:
    """A page of a list that knows whether there is a next page by fetching one row more, instead of counting the
    whole list (a count over a region's archive costs more than the page itself)."""

    def __init__(self, rows: list, number: int, per_page: int) -> None:
        self.number = number
        self.object_list = rows[:per_page]
        self._has_next = len(rows) > per_page

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class StoryListView(ListView):
    """A paginated list of published stories, newest first; subclasses narrow it down."""

    paginate_by = 30
    max_pages = 1000

    def paginate_queryset(self, queryset, page_size):
        number = number_from(self.request.GET.get("page", "1"), digits=6)
        if number is None or not 1 <= number <= self.max_pages:
            raise Http404("No such page.")
        start = (number - 1) * page_size
        page = UncountedPage(list(queryset[start : start + page_size + 1]), number, page_size)
        if number > 1 and not page.object_list:
            raise Http404("No such page.")
        return None, page, page.object_list, page.has_other_pages()

    template_name = "articles/article_list.html"
    context_object_name = "stories"
    heading = "Stories in posting order"

    def get_queryset(self):
        return Article.objects.visible().for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading
        return context


class PostingOrderView(StoryListView):
    pass


class RegionView(StoryListView):
    def get_queryset(self):
        self.region = get_object_or_404(Region, slug=self.kwargs["slug"])
        return super().get_queryset().in_region(self.region)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(heading=self.region.name, region=self.region, current_region=self.region)
        return context


class SubjectView(StoryListView):
    def get_queryset(self):
        self.subject = get_object_or_404(Subject, slug=self.kwargs["slug"])
        return super().get_queryset().filter(subjects=self.subject)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(heading=f"File under: {self.subject.name}", subject=self.subject)
        return context


@require_safe
@cached_page
def archive_index(request):
    months = (
        Article.objects.visible()
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(stories=Count("id"))
        .order_by("-month")
        .values_list("month", "stories")
    )
    years = [
        (year, list(items))
        for year, items in itertools.groupby(
            ((timezone.localtime(month).date(), n) for month, n in months), key=lambda item: item[0].year
        )
    ]
    return render(request, "articles/archive_index.html", {"years": years})


@require_safe
@cached_page
def archive_month(request, year: int, month: int):
    first = _date_or_404(year, month)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start, _ = _day_bounds(first)
    end, _ = _day_bounds(following)
    days = list(
        Article.objects.visible()
        .filter(published_at__gte=start, published_at__lt=end)
        .annotate(day=TruncDate("published_at"))
        .values("day")
        .annotate(stories=Count("id"))
        .order_by("-day")
        .values_list("day", "stories")
    )
    if not days:
        raise Http404("No stories that month.")
    return render(request, "articles/archive_month.html", {"month": first, "days": days})


@require_safe
# ?quote=N: the form filled with comment #N quoted (no JavaScript). Every answer counts as a view (readership).
@cached_page(story_kwarg="pk", query=("quote",), served=readership.story_served)
def article_detail(request, pk: int, slug: str = ""):
    """A story with its comments; editors also open drafts and scheduled stories here, to preview them."""
    if request.user.is_staff:
        article = get_object_or_404(Article.objects.for_page(), pk=pk)
    else:
        # The story with its region, editor and subjects changes only with a change to stories (never with a
        # comment): kept as the pages are, it saves the ORM's two reads (most of an uncached page's own time).
        article = remember(story_cache_key(pk), lambda: Article.objects.visible().for_page().filter(pk=pk).first())
        if article is None:
            raise Http404("No such story.")
    if slug != article.slug:
        # Old or missing slugs lead to the story's one canonical address, with the quote asked for (the only query
        # that gets this far: cached_page).
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(article.get_absolute_url() + (f"?{query}" if query else ""))
    return render_story_page(request, article)


def render_story_page(request, article: Article, *, status: int = 200, **context) -> HttpResponse:
    """The story page: for the reader, and again with the comment form's answer after a post (comments.views)."""
    context.update(
        article=article,
        current_region=article.region,
        canonical_url=absolute_url(article.get_absolute_url()),
    )
    return render(request, "articles/article_detail.html", context, status=status)


@require_safe
def notes_css(request):
    """Each editor's note colour as a stylesheet, so notes are shaded without inline styles (CSP)."""
    css = cache.get(NOTES_CSS_CACHE_KEY)
    if css is None:
        rules = [
            f".{profile.css_class}{{background-color:{profile.note_colour}}}"
            for profile in EditorProfile.objects.order_by("user_id")
        ]
        css = "\n".join(rules) + "\n"
        cache.set(NOTES_CSS_CACHE_KEY, css, 60 * 60)
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
def picture(request, name: str):
    """A library picture, with the type checked at upload, never sniffed, and no way to run as a page."""
    item = get_object_or_404(Picture, name=name)
    try:
        handle = item.image.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The picture's file is missing.") from exc
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = f'inline; filename="{item.name}"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def favicon(request):
    return redirect(static("img/favicon.svg"), permanent=True)


@require_safe
def robots_txt(request):
    sitemap = absolute_url(reverse("sitemap"))
    return HttpResponse(f"User-agent: *\nDisallow:\n\nSitemap: {sitemap}\n", content_type="text/plain")
