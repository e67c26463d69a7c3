"""``manage.py export_dataset OUT_DIR``: the notebook dataset (see dois.exports)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from dois.exports import dataset_export


class Command(BaseCommand):
    help = "Export confirmed photos as cropped square images, a CSV and a .npz."

    def add_arguments(self, parser):
        parser.add_argument("out_dir", type=Path)
        parser.add_argument("--size", type=int, default=224)

    def handle(self, *args, out_dir: Path, size: int, **options):
        summary = dataset_export(out_dir=out_dir, size=size)
        self.stdout.write(
            f"{summary['photos']} photos of {summary['individuals']} individuals "
            f"(train {summary['train']}, eval {summary['eval']}) written to {out_dir}")
