"""``manage.py export_dataset OUT_DIR [--members]``: the notebook dataset (see dois.exports).

``--members`` writes the members' dataset (the training split's public photos only, as
the leaderboard's starter kit offers it); without it, everything (researchers).
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from dois.exports import dataset_export


class Command(BaseCommand):
    help = "Export confirmed photos as cropped square images, a CSV and a .npz."

    def add_arguments(self, parser):
        parser.add_argument("out_dir", type=Path)
        parser.add_argument("--size", type=int, default=224)
        parser.add_argument("--members", action="store_true",
                            help="the members' dataset: training split only, public photos")

    def handle(self, *args, out_dir: Path, size: int, members: bool = False, **options):
        summary = dataset_export(out_dir=out_dir, size=size, members=members)
        self.stdout.write(
            f"{summary['photos']} photos of {summary['individuals']} individuals "
            f"(train {summary['train']}, eval {summary['eval']}) written to {out_dir}")
