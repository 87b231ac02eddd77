"""Give someone an editor's login as the board expects one: staff, in the Editors group, with a note colour. In the
comments app because no nic may pass for a staff member (comments.defences.staff_names): the new name is guarded at
once."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles import services
from articles.models import EditorProfile
from comments.defences import staff_changed


class Command(BaseCommand):
    help = (
        "Add an editor: a staff user in the Editors group with a note colour, and a new random password, printed "
        "once. --chief also makes them a superuser (users, groups, regions). Use it for the board's first login "
        "too: createsuperuser makes an account with no note colour."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help='First and last name, shown on their stories ("Mara Lind").')
        parser.add_argument("--email", default="")
        parser.add_argument("--colour", default=EditorProfile._meta.get_field("note_colour").default,
                            help="Their notes' shade, a light #rrggbb.")  # fmt: skip
        parser.add_argument("--chief", action="store_true", help="Also a superuser.")

    def handle(self, *args, username: str, name: str, email: str, colour: str, chief: bool, **kw):
        users = get_user_model()
        editors = Group.objects.filter(name="Editors").first()
        if editors is None:
            raise CommandError("There is no Editors group yet: run manage.py migrate first.")
        if users.objects.filter(username=username).exists():
            raise CommandError(f"There is a user {username!r} already: change them in the admin.")
        first, _, last = name.strip().partition(" ")
        user = users(username=username, first_name=first, last_name=last.strip(), email=email.strip(), is_staff=True,
                     is_superuser=chief)  # fmt: skip
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        try:
            user.full_clean()
            EditorProfile(user=user, note_colour=colour).clean_fields(exclude=["user"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            user.save()
            user.groups.add(editors)
            services.filing_save(instance=EditorProfile(user=user, note_colour=colour))
            staff_changed()
        # Whatever the verbosity: the password is the command's answer, and it is not kept anywhere.
        role = "chief editor (superuser)" if chief else "editor"
        self.stdout.write(f"Added {role} {username}. Password, shown once: {password}")
        self.stdout.write("They can change it in the admin (top right: Change password).")
