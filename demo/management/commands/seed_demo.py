"""``manage.py seed_demo``: the reference learning exchange, ready to explore."""

from django.core.management.base import BaseCommand

from demo import seed as demo


class Command(BaseCommand):
    help = (
        "Create the demonstration exchange (nine communities, 39 participants, three meetings in person and one "
        "online) and print the demo logins. Safe to run again: it only adds what is missing."
    )

    def handle(self, *args, **options):
        result = demo.demo_seed()
        if result.anything_created:
            made = ", ".join(f"{n} {kind}" for kind, n in sorted(result.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Seeded “{result.exchange.title}”: {made}."))
        else:
            self.stdout.write(f"“{result.exchange.title}” is already in place; nothing to add.")
        self.stdout.write("")
        self.stdout.write(f"Open {demo.demo_url()} and sign in as any of these (password: {demo.DEMO_PASSWORD}):")
        for role, email in demo.demo_logins():
            self.stdout.write(f"  {role:<32} {email}")
        self.stdout.write("  Every participant: participant01 … participant39 at the same domain.")
