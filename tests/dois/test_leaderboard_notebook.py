"""The starter notebook runs: it loads the members' export, trains a small Keras
embedder, exports TFLite and submits it through the API, where a real ``train`` worker
scores it. Its code cells run in order in a subprocess (no Jupyter kernel needed), with
tiny sizes set through the environment variables the notebook reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from dois import exports
from dois.models import Photo, Submission
from tests.dois.factories import IndividualFactory, PhotoFactory, UserFactory

NOTEBOOK = Path(__file__).resolve().parents[2] / "dois" / "notebooks" / "starter.ipynb"


def notebook_code() -> str:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert code and not any(line.lstrip().startswith(("!", "%"))
                            for cell in code for line in cell.splitlines())
    return "\n\n".join(code)


@pytest.mark.slow
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_starter_notebook_trains_exports_and_submits(settings, tmp_path, live_server,
                                                          start_worker, purge_queues):
    settings.DOIS_MODEL_DIR = tmp_path / "models"
    for _ in range(4):
        ind = IndividualFactory()
        for k in range(4):
            PhotoFactory(individual=ind, state=Photo.State.CONFIRMED,
                         split=Photo.Split.EVAL if k == 0 else Photo.Split.TRAIN)
    member = UserFactory(username="nb-member", roles=["volunteer"])
    token = Token.objects.create(user=member)
    (tmp_path / "dois-dataset-train.zip").write_bytes(exports.dataset_zip(members=True))
    start_worker(queues="train", name="nb", env={"DOIS_MODEL_DIR": str(tmp_path / "models")})

    env = {**os.environ, "DOIS_DATASET": str(tmp_path / "dois-dataset-train.zip"),
           "DOIS_SITE": live_server.url, "DOIS_API_TOKEN": token.key,
           "DOIS_INPUT_SIZE": "32", "DOIS_EMBEDDING_DIM": "16", "DOIS_EPOCHS": "2",
           "DOIS_MODEL_NAME": "notebook-test", "DOIS_WAIT_S": "150",
           "DOIS_NOTEBOOK_URL": "https://example.org/starter", "TF_CPP_MIN_LOG_LEVEL": "2"}
    work = tmp_path / "run"
    work.mkdir()
    run = subprocess.run([sys.executable, "-c", notebook_code()], cwd=work, env=env,
                         capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "12 photos of 4 individuals, splits: ['train']" in run.stdout
    assert (work / "notebook-test.tflite").is_file()

    sub = Submission.objects.get(submitted_by=member)
    assert sub.name == "notebook-test" and sub.notebook_url == "https://example.org/starter"
    assert (sub.spec["height"], sub.spec["width"], sub.spec["embedding_dim"]) == (32, 32, 16)
    assert sub.status == "done", (sub.error, run.stdout[-2000:])
    assert '"status": "done"' in run.stdout and '"map5"' in run.stdout
