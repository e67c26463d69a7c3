from django.core.management.base import BaseCommand, CommandError

from events.services import posts_import_files


class Command(BaseCommand):
    help = ("Import summary posts: Markdown files with YAML front matter (title, description, "
            "author, categories, tags). Idempotent by slug; a file that cannot be read is "
            "reported and the others are still imported, and the command then exits with "
            "status 1.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files: list[str], **options):
        report = posts_import_files(paths=files)
        for slug in report.created:
            self.stdout.write(f"created {slug}")
        for slug in report.updated:
            self.stdout.write(f"updated {slug}")
        for path, reason in report.failed:
            self.stderr.write(f"skipped {path}: {reason}")
        self.stdout.write(self.style.SUCCESS(
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.failed)} failed."))
        if report.failed:
            raise CommandError(f"{len(report.failed)} of {len(files)} files could not be "
                               "imported (see above)")
