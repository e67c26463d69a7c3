"""``manage.py export_outlines OUT_DIR``: the outlines people checked on the site, as
further training data for the fin segmenter (``python -m dois.ml.make_segmenter --extra
OUT_DIR``); see :mod:`dois.exports_outlines`."""

from pathlib import Path

from django.core.management.base import BaseCommand

from dois.exports_outlines import outlines_export


class Command(BaseCommand):
    help = ("Export person-checked fin outlines (crop PNG, mask PNG, points JSON) for "
            "make_segmenter --extra.")

    def add_arguments(self, parser):
        parser.add_argument("out_dir", type=Path)

    def handle(self, *args, out_dir: Path, **options):
        counts = outlines_export(out_dir=out_dir)
        self.stdout.write(f"{counts['outlines']} outlines written to {out_dir} "
                          f"({counts['skipped']} skipped: photo unreadable); train with "
                          f"python -m dois.ml.make_segmenter --extra {out_dir}")
