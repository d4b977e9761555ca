from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pilot_portal.demo.services import demo_seed


class Command(BaseCommand):
    help = "Create the three seed cities and the demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed-file",
            type=Path,
            default=settings.SEED_DATA_DIR / "seed-cities.json",
            help="seed-cities.json (default: SEED_DATA_DIR/seed-cities.json)",
        )

    def handle(self, *args, seed_file: Path, **options):
        if not seed_file.exists():
            raise CommandError(
                f"找不到种子数据文件 / seed file not found: {seed_file} (set SEED_DATA_DIR)"
            )
        summary = demo_seed(seed_file=seed_file, password=settings.DEMO_PASSWORD)
        names = ", ".join(city.name for city in summary.cities)
        self.stdout.write(f"演示数据已就绪 / demo ready: {names}")
        self.stdout.write(
            f"{len(summary.usernames)} demo users, password: {settings.DEMO_PASSWORD}"
        )
