"""Fill a local board with invented demo content: regions, editors, subjects and a few days of stories.

Idempotent: what exists is left as it is, so it is safe to run at every `make run`. The demo editors get a fresh
random password at each run, which is printed; nothing here ships a known password.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from articles.models import Article, EditorProfile, Picture, Region, Subject
from articles.services import stories_changed_in_bulk
from comments.moderation import comment_redact
from comments.services import comment_create

REGIONS = [
    "China-Japan-Koreas",
    "Home Front",
    "Terror Networks",
    "Europe",
    "Africa North",
    "Africa Subsaharan",
    "Southeast Asia",
    "South Asia",
    "Middle East",
    "Latin America",
    "Science & Technology",
]

SUBJECTS = ["Elections", "Energy", "Shipping", "Courts", "Defence", "Trade", "Space", "Health", "Weather", "Budget"]

# (username, first name, last name, note colour, superuser?)
EDITORS = [
    ("chief", "Ruth", "Okafor", "#ffe6b3", True),
    ("mara", "Mara", "Lindqvist", "#d8f0d2", False),
    ("tobias", "Tobias", "Reyes", "#dce8fb", False),
]

# (days ago, hour, region, editor, title, source name, subjects, lead note, body, closed?)
STORIES = [
    (
        0,
        7,
        "China-Japan-Koreas",
        "mara",
        "Coast guard adds six cutters to its southern island patrols",
        "Harbour Line Daily",
        ["Defence", "Shipping"],
        "More hulls, same old argument about whose rocks these are.",
        "The coast guard said on Tuesday it will station six additional patrol cutters at two southern ports "
        "by the end of next spring, citing a rise in unannounced survey vessels near the outer islands.\n\n"
        "Officials said the new cutters are smaller than the flagship vessels [[which matters: small boats can "
        "stay out in weather that sends the big ones home]] and will rotate crews every three weeks.\n\n"
        "[[@tobias Last year's budget paper promised four. Six is either good news or a sign that the four "
        "never arrived.]]\n\n"
        "A spokesman declined to say whether the decision followed a specific incident, saying only that "
        '"the pattern is the point."',
        False,
    ),
    (
        0,
        9,
        "Home Front",
        "tobias",
        "County water board votes to replace lead service lines within eight years",
        "Valley Courier",
        ["Health", "Budget"],
        "Eight years is a long time to drink through a straw of lead.",
        "The water board approved a plan on Monday night to replace roughly 11,000 lead service lines, paid "
        "for by a mix of federal grants and a surcharge of about four dollars a month.\n\n"
        "Board members debated for nearly three hours. One member argued for a five-year schedule [[and lost, "
        'four votes to three]], saying that "every year we wait is a year of children\'s blood tests."\n\n'
        "Residents can look up their own address on the utility's map, which the board promised to update "
        "each quarter.",
        False,
    ),
    (
        0,
        11,
        "Science & Technology",
        "mara",
        "Small lunar lander sends first pictures from the crater rim",
        "Orbital Notes",
        ["Space"],
        "Grainy, crooked, and absolutely wonderful.",
        "A privately built lander the size of a dishwasher touched down on the rim of a southern crater early "
        "on Sunday and transmitted three low-resolution images before the operators switched it to a power-"
        "saving mode.\n\n"
        "Engineers said the lander came to rest at a tilt of about eleven degrees, [[within limits, but only "
        "just: the design tolerates fifteen]] which shades one of its two solar panels for part of the day.\n\n"
        "The team hopes to run its drill experiment later in the week if the battery recovers.",
        False,
    ),
    (
        0,
        13,
        "Europe",
        "chief",
        "Rail unions and ministry agree on night-shift pay, ending a month of weekend strikes",
        "Continental Ledger",
        ["Trade"],
        "",
        "Negotiators for three rail unions and the transport ministry signed an agreement late on Friday that "
        "raises night-shift pay by nine per cent over two years.\n\n"
        "[[The weekend strikes had halved freight traffic through the northern corridor. Watch the port "
        "numbers next month.]]\n\n"
        "Both sides said the deal also sets up a joint committee on rest periods, the issue that negotiators "
        "had called the hardest.",
        False,
    ),
    (
        0,
        15,
        "Middle East",
        "tobias",
        "Desalination plant goes dark after a transformer fire; city rations water for three days",
        "Gulf Morning Post",
        ["Energy", "Health"],
        "One transformer, one city, three days. Resilience is a budget line until it isn't.",
        "Authorities ordered rationing in the coastal city after a fire in a transformer yard shut down its "
        "largest desalination plant on Wednesday.\n\n"
        "Tankers will supply hospitals first, officials said, [[and, judging by last summer, the wealthier "
        "districts second]] while engineers bring in a mobile substation.\n\n"
        "> The plant supplies about sixty per cent of the city's drinking water, according to the utility.",
        False,
    ),
    (
        1,
        8,
        "Terror Networks",
        "mara",
        "Prosecutors charge four over a fundraising network run through a charity shop chain",
        "Northern Assize Reporter",
        ["Courts"],
        "Second-hand coats, first-hand money laundering, allegedly.",
        "Four people were charged on Thursday with financing a proscribed group through a chain of six "
        "charity shops, prosecutors said.\n\n"
        "The indictment says the shops under-reported cash takings and moved the difference abroad in small "
        "transfers [[the classic structuring pattern: each transfer just under the reporting threshold]] "
        "over a period of three years.\n\n"
        "Lawyers for two of the defendants said their clients would plead not guilty.",
        False,
    ),
    (
        1,
        10,
        "Southeast Asia",
        "chief",
        "Typhoon season's latest storm forces ferry cancellations across the archipelago",
        "Island Weather Desk",
        ["Weather", "Shipping"],
        "",
        "Port authorities suspended inter-island ferries on Thursday as a strengthening storm moved west, "
        "stranding several thousand passengers at terminals.\n\n"
        "[[@mara Third cancellation this month. The ferry companies will be asking for compensation again.]]\n\n"
        "Forecasters expect the storm to make landfall late on Friday as a category two system.",
        False,
    ),
    (
        1,
        14,
        "Africa North",
        "tobias",
        "Solar tender draws eleven bids, twice what the ministry expected",
        "Maghreb Business Review",
        ["Energy", "Trade"],
        "When the sun is your main export, competition is a good problem.",
        "The energy ministry received eleven bids for a 400-megawatt solar park, officials said on Wednesday, "
        "with the lowest offering power at a price below the country's cheapest gas plant.\n\n"
        "A ministry adviser said the winning bidder would be named within sixty days [[the last tender took "
        "nine months, so pencil, not pen]].",
        False,
    ),
    (
        1,
        16,
        "Latin America",
        "mara",
        "Central bank holds rates, warns that the drought is feeding food prices",
        "Andean Financial",
        ["Budget", "Weather"],
        "",
        "The central bank left its benchmark rate unchanged on Wednesday and said that a prolonged drought "
        "had pushed up the price of staples faster than it expected.\n\n"
        'The bank\'s statement used the word "persistent" three times [[central bankers do not use '
        "adjectives by accident]].",
        False,
    ),
    (
        2,
        9,
        "South Asia",
        "chief",
        "Election commission extends voting hours after long queues in three districts",
        "Subcontinent Herald",
        ["Elections"],
        "Long queues are a sign of a working election. Closed polling stations are the other sign.",
        "The election commission extended voting by two hours in three districts on Tuesday after observers "
        "reported queues of several hundred people at closing time.\n\n"
        "Turnout in the first phase was about sixty-four per cent, the commission said, [[slightly above the "
        "last general election]] with results due in three weeks.",
        False,
    ),
    (
        2,
        12,
        "Home Front",
        "mara",
        "State court throws out the new district map, orders a redraw by spring",
        "Capitol Bulletin",
        ["Courts", "Elections"],
        "",
        "The state's highest court ruled on Monday that the legislature's new congressional map violated the "
        "state constitution's ban on partisan drawing, and gave lawmakers until March to produce another.\n\n"
        "[[@chief The dissent is worth reading in full: it argues the court has no standard it can apply "
        "twice.]]",
        True,
    ),
    (
        2,
        15,
        "China-Japan-Koreas",
        "tobias",
        "Shipbuilders report record orders for ammonia-ready carriers",
        "Harbour Line Daily",
        ["Shipping", "Energy"],
        "Ammonia-ready means a ship that could burn ammonia, someday, if anyone sells it.",
        "The three largest shipyards reported combined orders for 41 gas carriers designed to be converted "
        "to ammonia fuel, a record for a single quarter.\n\n"
        "Analysts said owners were hedging against tighter emission rules [[and against being stuck with "
        "a fleet nobody will charter in 2035]].",
        False,
    ),
    (
        3,
        8,
        "Europe",
        "mara",
        "Parliament passes the grid-connection reform after two years in committee",
        "Continental Ledger",
        ["Energy"],
        "",
        "Parliament approved a reform on Monday that sets a deadline of eighteen months for connecting new "
        "wind and solar farms to the grid, down from an average of more than four years.\n\n"
        "[[Eighteen months is the promise. The queue of projects waiting is about 700 long.]]",
        True,
    ),
    (
        3,
        11,
        "Science & Technology",
        "chief",
        "Researchers publish a cheaper test for a common crop blight",
        "Field Lab Journal",
        ["Health", "Trade"],
        "Paper strip, drop of sap, ten minutes. Farmers will like it more than labs will.",
        "A team of plant pathologists described a paper-strip test that detects a fungal blight in wheat "
        "within ten minutes, at a cost the authors put below twenty cents a test.\n\n"
        "They said field trials on 300 farms matched laboratory results in 96 per cent of cases [[the other "
        "four per cent were false negatives, which is the kind you worry about]].",
        False,
    ),
    (
        10,
        10,
        "Africa Subsaharan",
        "tobias",
        "Grain corridor reopens after the rainy season washed out two bridges",
        "Savanna Trade Weekly",
        ["Trade", "Weather"],
        "",
        "Trucks began moving again on the main grain corridor on Saturday after army engineers finished "
        "temporary bridges over two rivers.\n\n"
        "[[An older story, kept so that the archive and a closed comment thread have something to show.]]",
        False,
    ),
]

# Invented threads: story slug -> [(nic, BBCode body)].
COMMENTS = {
    "coast-guard-adds-six-cutters-to-its-southern-island-patrols": [
        ("Pelagic Pete", "Six small cutters beat two big ones in a typhoon season. [b]Crews[/b] are the real limit."),
        (
            "Marguerite of Kobe",
            "[quote=Pelagic Pete]Crews are the real limit.[/quote]\nThree-week rotations "
            "will burn them out by summer. The budget paper never mentions training.",
        ),
        ("Old Salt 1971", "Map of where the patrol line runs, for those following along:\n[foto]harbour-map[/foto]"),
        (
            "Pelagic Pete",
            "Worth reading the whole thing: [squish]https://news.example.com/harbour-line-daily/"
            "coast-guard-adds-six-cutters-to-its-southern-island-patrols[/squish]",
        ),
    ],
    "county-water-board-votes-to-replace-lead-service-lines-within-eight-years": [
        ("Tap Water Tess", "Our street is on the map as [i]unknown material[/i]. That is not reassuring."),
        (
            "Municipal Bond Guy",
            "Four dollars a month is cheap. What it costs to do nothing:\n[*] blood tests\n"
            "[*] lawsuits\n[*] the next board's problem",
        ),
    ],
    "small-lunar-lander-sends-first-pictures-from-the-crater-rim": [
        ("Regolith Rita", "Eleven degrees and still talking. [big]Bravo.[/big]"),
        ("Moon Hoax Max", "FAKE. All of it. Wake up, sheeple!!! [url=https://example.net/truth]the truth[/url]"),
        (
            "Skeptical Engineer",
            "The tilt shades a panel for [u]part[/u] of the day; the lunar day is two weeks long. "
            "Watch the battery numbers.",
        ),
    ],
}


class Command(BaseCommand):
    help = "Create invented demo content for a local board (regions, editors, subjects, stories). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never on a board with real readers)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would be created, change nothing.")

    def handle(self, *args, force: bool = False, dry_run: bool = False, verbosity: int = 1, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo content is for local runs (DJANGO_DEBUG=1). Use --force to insist.")
        if dry_run:
            self.stdout.write(
                f"Would ensure {len(REGIONS)} regions, {len(SUBJECTS)} subjects, {len(EDITORS)} editors "
                f"and {len(STORIES)} stories."
            )
            return
        with transaction.atomic():
            created = self._seed()
            self._seed_picture()
            stories_changed_in_bulk()
        comments = self._seed_comments()
        passwords = self._reset_passwords()
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"Demo content ready ({created} new stories, {comments} new comments).")
            )
            self.stdout.write("Editor logins for this run (new passwords each run) at /" + settings.ADMIN_URL + ":")
            for username, password, superuser in passwords:
                role = "chief editor, superuser" if superuser else "editor"
                self.stdout.write(f"  {username} / {password}   ({role})")

    def _seed(self) -> int:
        regions = {}
        for position, name in enumerate(REGIONS):
            regions[name], _ = Region.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "position": position * 10}
            )
        subjects = {}
        for name in SUBJECTS:
            subjects[name], _ = Subject.objects.get_or_create(slug=slugify(name), defaults={"name": name})
        editors_group = Group.objects.get(name="Editors")
        users = {}
        user_model = get_user_model()
        for username, first, last, colour, superuser in EDITORS:
            user, made = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@editors.invalid",
                    "is_staff": True,
                    "is_superuser": superuser,
                },
            )
            if made:
                user.set_unusable_password()
                user.save()
            user.groups.add(editors_group)
            EditorProfile.objects.get_or_create(user=user, defaults={"note_colour": colour})
            users[username] = user

        today = timezone.localdate()
        created = 0
        for days_ago, hour, region, editor, title, source, subject_names, lead, body, closed in STORIES:
            slug = slugify(title)
            if Article.objects.filter(slug=slug).exists():
                continue
            day = today - dt.timedelta(days=days_ago)
            published_at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
            now = timezone.now()
            if published_at > now:
                # Early in the morning the day's later stories would be scheduled; put them just before now.
                published_at = now - dt.timedelta(minutes=5 * (len(STORIES) - created))
            article = Article.objects.create(
                region=regions[region],
                title=title,
                slug=slug,
                source_url=f"https://news.example.com/{slugify(source)}/{slug}",
                source_name=source,
                lead_note=lead,
                body=body,
                posted_by=users[editor],
                status=Article.Status.PUBLISHED,
                published_at=published_at,
                comments_closed=closed,
            )
            article.subjects.set([subjects[name] for name in subject_names])
            created += 1
        draft_slug = "draft-port-strike-talks-resume"
        if not Article.objects.filter(slug=draft_slug).exists():
            Article.objects.create(
                region=regions["Europe"],
                title="Draft: port strike talks resume",
                slug=draft_slug,
                source_url="https://news.example.com/continental-ledger/port-talks",
                source_name="Continental Ledger",
                body="Unfinished. [[Check the figures before publishing.]]",
                posted_by=users["mara"],
                status=Article.Status.DRAFT,
            )
        return created

    def _seed_picture(self) -> None:
        if Picture.objects.filter(name="harbour-map").exists():
            return
        image = Image.new("RGB", (480, 300), "#cfe3f2")
        draw = ImageDraw.Draw(image)
        draw.polygon([(0, 210), (140, 150), (260, 190), (480, 120), (480, 300), (0, 300)], fill="#c9b98f")
        draw.rectangle([(300, 60), (330, 90)], fill="#8a1c1c")
        draw.line([(40, 80), (300, 75)], fill="#2b3a4a", width=4)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        editor = get_user_model().objects.get(username="chief")
        picture = Picture(
            name="harbour-map", alt_text="Sketch map of the southern harbour and the patrol line", uploaded_by=editor
        )
        picture.content_type = "image/png"
        picture.image.save("harbour-map.png", ContentFile(buffer.getvalue()), save=False)
        picture.save()

    def _seed_comments(self) -> int:
        """Invented comments, posted through the one write path so numbers and counts are right."""
        posted = 0
        for slug, thread in COMMENTS.items():
            article = Article.objects.filter(slug=slug).first()
            if article is None or article.comment_count or not article.comments_open():
                continue
            for nic, body in thread:
                comment = comment_create(
                    article_id=article.pk,
                    nic=nic,
                    body=body,
                    owner_token=f"demo-{nic}",
                    ip="127.0.0.1",
                ).comment
                posted += 1
                if nic == "Moon Hoax Max":
                    # A redacted comment, so the demo shows what moderation looks like to readers.
                    chief = get_user_model().objects.get(username="chief")
                    comment_redact(comment=comment, moderator=chief, note="Removed by the editors: off topic.")
        return posted

    def _reset_passwords(self) -> list[tuple[str, str, bool]]:
        user_model = get_user_model()
        result = []
        for username, _first, _last, _colour, superuser in EDITORS:
            if username == "tobias":
                continue  # two logins are enough to try both roles
            user = user_model.objects.get(username=username)
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            result.append((username, password, superuser))
        return result
