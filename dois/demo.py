"""A small demo catalogue: a dozen individuals in the Pearl River Estuary.

Fin images come from :mod:`dois.ml.synth` (NumPy and Pillow only). Everything goes
through the services, so the demo also shows the decision history. Running it twice
changes nothing.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dois import services
from dois.ml.synth import render_individual_photo
from dois.models import Individual, Photo

NICKNAMES = ["Pinky", "Notch", "Lantau", "Moon", "Spot", "Zigzag", "Pearl", "Ripple",
             "Freckle", "Hook", "Dawn", "Tide"]
AREAS = [("Lingding Bay", 22.35, 113.78), ("Lantau West", 22.22, 113.86),
         ("Qi'ao Island", 22.40, 113.65), ("Wanshan Islands", 22.05, 113.75),
         ("Pearl River mouth", 22.18, 113.62)]
SIDES = [Photo.Side.LEFT, Photo.Side.RIGHT]
TZ = ZoneInfo("Asia/Shanghai")


def fin_image(*, individual_seed: int, photo_seed: int, size: int = 256) -> Image.Image:
    """One synthetic photo of one demo individual (:mod:`dois.ml.synth`)."""
    return render_individual_photo(individual_seed=individual_seed, photo_seed=photo_seed,
                                   size=size)


def _upload(image: Image.Image, name: str) -> SimpleUploadedFile:
    canvas = Image.new("RGB", (image.width + 96, image.height + 48), (34, 86, 128))
    canvas.paste(image, (48, 24))  # a wider field photo; the fin box is the square
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


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
                created_by=researcher, nickname=nickname,
                sex=rng.choice(list(Individual.Sex.values)))
        individuals.append(individual)
    start = datetime(2019, 9, 7, 9, 0, tzinfo=TZ)
    sightings = []
    for day in range(8):
        area, lat, lon = AREAS[day % len(AREAS)]
        sightings.append(services.sighting_create(
            created_by=volunteer,
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
            photo, _job = services.photo_submit(
                sighting=sighting, uploaded_by=volunteer,
                upload=_upload(fin_image(individual_seed=i, photo_seed=k),
                               f"demo-{individual.code}-{k}.jpg"),
                options=services.PhotoOptions(
                    crop=(48, 24, 256, 256), side=SIDES[k % 2], quality=rng.randint(2, 5),
                    proposed_individual=individual if k else None))
            services.decision_record(photo=photo, action="confirm", individual=individual,
                                     decided_by=researcher)
    for q in range(4):
        i = rng.randrange(len(individuals))
        services.photo_submit(
            sighting=sightings[-1], uploaded_by=volunteer,
            upload=_upload(fin_image(individual_seed=i, photo_seed=10 + q),
                           f"demo-queue-{q}.jpg"),
            options=services.PhotoOptions(
                crop=(48, 24, 256, 256), side=SIDES[q % 2],
                proposed_individual=individuals[i] if q % 2 == 0 else None))
    stdout.write(f"DoIs demo: {len(individuals)} individuals, {len(sightings)} sightings, "
                 f"{Photo.objects.count()} photos (4 waiting for review).")
