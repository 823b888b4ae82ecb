"""``manage.py dump_exchange <id> <file.json>``: one exchange, to a file."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exchanges.backup import exchange_dump_json


class Command(BaseCommand):
    help = (
        "Write every row of one exchange (and the accounts it names, with password hashes) to a JSON file "
        "that restore_exchange reads. The file is as sensitive as the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("exchange_id", type=int)
        parser.add_argument("path", help="Where to write the file ('-' for standard output).")

    def handle(self, *args, exchange_id, path, **options):
        try:
            text = exchange_dump_json(exchange_id=exchange_id)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        data = json.loads(text)
        if path == "-":
            self.stdout.write(text)
            return
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        self.stderr.write(f"Wrote exchange {exchange_id}: {len(data['objects'])} rows, {len(data['users'])} accounts.")
