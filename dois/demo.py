"""A small demo catalogue: a dozen individuals in the Pearl River Estuary.

Fin images come from :mod:`dois.ml.synth`: calm field scenes (``render_scene(calm=True)``)
whose outlines the edge method reads, each individual with its own fin shape and nicks,
so the demo's identification jobs end with candidates, mostly the right one first.
Everything goes through the services, so the demo also shows the decision history.
Running it twice changes nothing.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dois import services
from dois.ml.synth import render_scene
from dois.models import Individual, Photo

NICKNAMES = ["Pinky", "Notch", "Lantau", "Moon", "Spot", "Zigzag", "Pearl", "Ripple",
             "Freckle", "Hook", "Dawn", "Tide"]
AREAS = [("Lingding Bay", 22.35, 113.78), ("Lantau West", 22.22, 113.86),
         ("Qi'ao Island", 22.40, 113.65), ("Wanshan Islands", 22.05, 113.75),
         ("Pearl River mouth", 22.18, 113.62)]
SIDES = [Photo.Side.LEFT, Photo.Side.RIGHT]
TZ = ZoneInfo("Asia/Shanghai")


DEMO_SEED = 7000  # individual i of the demo has the fin shape of seed DEMO_SEED + i


def fin_image(*, individual_seed: int, photo_seed: int, size: int = 256) -> Image.Image:
    """One calm synthetic photo of one demo individual's fin (its crop; ``size`` the
    longer side), whose outline the edge method reads (:mod:`dois.ml.synth`)."""
    scene = render_scene(seed=0, individual_seed=DEMO_SEED + individual_seed,
                         photo_seed=photo_seed, long_side=size, calm=True)
    return Image.fromarray(scene.image, "RGB")


def fin_upload(image: Image.Image, name: str
               ) -> tuple[SimpleUploadedFile, tuple[int, int, int, int]]:
    """A wider field photo around a fin crop, and the crop's box (x, y, w, h) in it."""
    canvas = Image.new("RGB", (image.width + 96, image.height + 48), (34, 86, 128))
    canvas.paste(image, (48, 24))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=92)
    return (SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg"),
            (48, 24, image.width, image.height))


def load_demo(*, users: dict, stdout) -> None:
    """Create the demo catalogue once (idempotent)."""
    if Photo.objects.filter(original_name__startswith="demo-").exists():
        stdout.write("DoIs demo catalogue already loaded.")
        return
    researcher, volunteer = users["researcher"], users["volunteer"]
    rng = random.Random(2019)
    individuals: list[Individual] = []
    for nickname in NICKNAMES:
        individual = Individual.objects.filter(nickname=nickname).first()
        if individual is None:
            individual = services.individual_create(
                actor=researcher, nickname=nickname,
                sex=rng.choice(list(Individual.Sex.values)))
        individuals.append(individual)
    start = datetime(2019, 9, 7, 9, 0, tzinfo=TZ)
    sightings = []
    for day in range(8):
        area, lat, lon = AREAS[day % len(AREAS)]
        sightings.append(services.sighting_create(
            actor=volunteer,
            observed_at=start + timedelta(days=day * 23, hours=rng.randint(0, 6)),
            latitude=round(lat + rng.uniform(-0.03, 0.03), 5),
            longitude=round(lon + rng.uniform(-0.03, 0.03), 5), area=area,
            trip=f"Survey boat {1 + day % 2}", observers="Reserve team, TFUG volunteers",
            group_size=rng.randint(2, 9)))
    photo_seed = 0
    for i, individual in enumerate(individuals):
        for k in range(3):
            photo_seed += 1
            sighting = sightings[(i + k * 3) % len(sightings)]
            upload, box = fin_upload(fin_image(individual_seed=i, photo_seed=k),
                                     f"demo-{individual.code}-{k}.jpg")
            photo, _job = services.photo_submit(
                sighting=sighting, actor=volunteer, upload=upload,
                options=services.PhotoOptions(
                    crop=box, side=SIDES[k % 2], quality=rng.randint(2, 5),
                    proposed_individual=individual if k else None))
            services.decision_record(photo=photo, action="confirm", individual=individual,
                                     actor=researcher)
    for q in range(4):
        i = rng.randrange(len(individuals))
        upload, box = fin_upload(fin_image(individual_seed=i, photo_seed=10 + q),
                                 f"demo-queue-{q}.jpg")
        services.photo_submit(
            sighting=sightings[-1], actor=volunteer, upload=upload,
            options=services.PhotoOptions(
                crop=box, side=SIDES[q % 2],
                proposed_individual=individuals[i] if q % 2 == 0 else None))
    stdout.write(f"DoIs demo: {len(individuals)} individuals, {len(sightings)} sightings, "
                 f"{Photo.objects.count()} photos (4 waiting for review).")
