"""``manage.py restore_exchange <file.json>``: an exchange back from dump_exchange."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exchanges.backup import exchange_restore


class Command(BaseCommand):
    help = (
        "Load an exchange written by dump_exchange, with the same ids (links in people's emails keep working). "
        "Accounts are matched by email; missing ones are created. Refuses if any of the ids is taken."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            with open(path, encoding="utf-8") as source:
                data = json.load(source)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            exchange = exchange_restore(data=data)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored “{exchange.title}” (exchange {exchange.pk})."))
