"""The model leaderboard: submitting (page and API), evaluating, the board, re-evaluation
when the split changes, the active model's row, promotion and the members' dataset."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from dois import exports, services
from dois.leaderboard_metrics import board_metrics
from dois.models import EvalSplitVersion, ModelVersion, Photo, Submission
from dois.selectors import board_history, board_rows
from dois.services import model_version_activation_finish
from tests.dois.factories import IndividualFactory, PhotoFactory, UserFactory
from tests.dois.services.test_leaderboard_models import DIM, SIZE, built_models, model_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _model_dir(settings, tmp_path):
    settings.DOIS_MODEL_DIR = tmp_path / "models"


@pytest.fixture
def member(db):
    return UserFactory(username="member1", display_name="Ada Member", roles=["volunteer"])


@pytest.fixture
def catalogue(db):
    """Six individuals, four reference photos each: two in the evaluation split."""
    individuals = []
    for _ in range(6):
        ind = IndividualFactory()
        individuals.append(ind)
        for k in range(4):
            PhotoFactory(individual=ind, state=Photo.State.CONFIRMED,
                         split=Photo.Split.EVAL if k < 2 else Photo.Split.TRAIN)
    return individuals


def submit(user, data: bytes, name: str = "fin-net", **kwargs) -> Submission:
    return services.submission_create(actor=user, upload=model_upload(data),
                                                  name=name, **kwargs)


def done_row(user, *, map5: float, name: str = "m", days_ago: int = 0, **metrics):
    sub = Submission.objects.create(
        submitted_by=user, name=name, status=Submission.Status.DONE, size_bytes=1000,
        spec={"height": SIZE, "width": SIZE, "input_dtype": "float32", "input_range": [0, 1],
              "input_quant": None, "batch": -1, "embedding_dim": DIM,
              "output_dtype": "float32", "output_quant": None},
        metrics={"map5": map5, "top1": metrics.get("top1", map5), "top5": 0.9,
                 "unknown_auc": 0.7, "ms_per_photo": 1.5, "size_bytes": 1000})
    Submission.objects.filter(pk=sub.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago))
    sub.refresh_from_db()
    return sub


# --- submitting ---------------------------------------------------------------------


def test_a_member_submits_and_the_evaluation_goes_to_the_train_queue(
        member, _no_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sub = submit(member, built_models()["good"], description="SupCon, 10 epochs",
                     notebook_url="https://example.org/nb")
    assert sub.status == "queued" and sub.kind == "member" and sub.size_bytes > 0
    assert sub.spec["height"] == SIZE and sub.spec["embedding_dim"] == DIM
    assert ("dois.tasks.train_submission_evaluate", [sub.pk], "train") in _no_broker
    assert sub.file.name.startswith("dois/submissions/") and "fin-net" not in sub.file.name
    assert Submission.objects.get(pk=sub.pk).sent_at is not None


def test_only_members_submit(db):
    from django.contrib.auth.models import AnonymousUser

    for user in (AnonymousUser(), UserFactory(username="nobody")):
        with pytest.raises(PermissionDenied):
            submit(user, built_models()["good"])


def test_the_same_model_twice_is_refused(member):
    first = submit(member, built_models()["good"])
    with pytest.raises(ValidationError, match=f"submission {first.pk}"):
        submit(member, built_models()["good"], name="again")


def test_more_than_50_mb_is_refused_before_a_byte_is_read(member):
    class Huge:
        name, size = "big.tflite", 50 * 2**20 + 1

        def read(self, *_args):
            raise AssertionError("read before the size check")

        def seek(self, *_args):
            raise AssertionError("read before the size check")

    with pytest.raises(ValidationError) as refused:
        services.submission_create(actor=member, upload=Huge(), name="big")
    assert "50" in refused.value.message_dict["file"][0]


# --- the API ------------------------------------------------------------------------


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    return client


def test_api_post_answers_id_and_status_then_get_shows_the_state(api, member):
    answer = api.post("/api/v1/models/", {"file": model_upload(built_models()["good"]),
                                          "name": "api-net", "description": "d",
                                          "notebook_url": "https://example.org/nb"},
                      format="multipart")
    assert answer.status_code == 201, answer.content
    assert set(answer.json()) == {"id", "status"} and answer.json()["status"] == "queued"
    pk = answer.json()["id"]
    mine = api.get(f"/api/v1/models/{pk}/").json()
    assert mine["status"] == "queued" and mine["metrics"] is None and mine["error"] == ""
    assert mine["author"] == "Ada Member" and "@" not in str(mine)
    # not done yet: nobody else learns it exists
    assert APIClient().get(f"/api/v1/models/{pk}/").status_code == 404
    other = APIClient()
    other.force_authenticate(UserFactory(username="other", roles=["volunteer"]))
    assert other.get(f"/api/v1/models/{pk}/").status_code == 404


@pytest.mark.parametrize(("name", "words"), [
    ("image_out", "output must be N × D"),
    ("grey_in", "input must be N × H × W × 3"),
    ("two_in", "exactly one input"),
])
def test_api_refuses_wrong_shapes_with_a_400_saying_why(api, name, words):
    answer = api.post("/api/v1/models/", {"file": model_upload(built_models()[name]),
                                          "name": name}, format="multipart")
    assert answer.status_code == 400
    assert words in answer.json()["file"][0]
    assert not Submission.objects.exists()


def test_api_refuses_a_file_that_is_not_a_model_and_one_over_50_mb(api):
    answer = api.post("/api/v1/models/", {"file": model_upload(b"just some text\n" * 10),
                                          "name": "text"}, format="multipart")
    assert answer.status_code == 400 and "not a TFLite model" in answer.json()["file"][0]
    big = model_upload(b"\0\0\0\0TFL3" + b"\0" * (50 * 2**20))
    answer = api.post("/api/v1/models/", {"file": big, "name": "big"}, format="multipart")
    assert answer.status_code == 400 and "50" in answer.json()["file"][0]


def test_api_submissions_need_a_member():
    answer = APIClient().post("/api/v1/models/", {"file": model_upload(built_models()["good"]),
                                                  "name": "anon"}, format="multipart")
    assert answer.status_code in (401, 403)


def test_submissions_are_throttled_per_member(api, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {**SimpleRateThrottle.THROTTLE_RATES, "submissions": "2/day"})
    codes = [api.post("/api/v1/models/", {"file": model_upload(built_models()[n]),
                                          "name": n}, format="multipart").status_code
             for n in ("good", "uint8", "ranged")]
    assert codes == [201, 201, 429]
    other = APIClient()
    other.force_authenticate(UserFactory(username="other2", roles=["volunteer"]))
    assert other.post("/api/v1/models/", {"file": model_upload(built_models()["wide"]),
                                          "name": "w"}, format="multipart").status_code == 201


# --- evaluating ---------------------------------------------------------------------


def _direct_embed(data: bytes, images: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_content=data, num_threads=1)
    inp = interp.get_input_details()[0]
    interp.resize_tensor_input(inp["index"], list(images.shape))
    interp.allocate_tensors()
    interp.set_tensor(inp["index"], images.astype(np.float32) / 255.0)
    interp.invoke()
    return np.array(interp.get_tensor(interp.get_output_details()[0]["index"]))


def test_an_evaluation_scores_the_model_on_the_frozen_split(catalogue, member):
    sub = submit(member, built_models()["good"])
    done = services.submission_evaluate(submission_id=sub.pk, worker="t@host")
    assert done.status == "done" and done.error == ""
    m = done.metrics
    assert set(m) >= {"top1", "top5", "map5", "unknown_auc", "ms_per_photo", "size_bytes"}
    assert m["size_bytes"] == len(built_models()["good"]) and m["ms_per_photo"] > 0
    split = EvalSplitVersion.objects.get()
    assert done.split == split and split.number == 1 and split.held_out >= 1
    assert m["n_queries"] == split.queries > 0 and m["n_unknown"] >= 2
    # the same figures as dois.ml.evaluate's code on embeddings made in this process
    eval_set = services.eval_set_build()
    images, ok = services.eval_images(eval_set=eval_set, height=SIZE, width=SIZE)
    assert ok.all()
    expected = board_metrics(vectors=_direct_embed(built_models()["good"], np.load(images)),
                             items=eval_set.items)
    for key in ("top1", "top5", "map5", "unknown_auc"):
        assert m[key] == pytest.approx(expected[key], abs=1e-4), key
    # the frozen split's photos are the queries: the training photos never are
    assert split.queries == sum(1 for p in eval_set.photos if p.split == "eval"
                                and p.individual_id not in eval_set.held_out)


def test_running_twice_changes_nothing(catalogue, member):
    sub = submit(member, built_models()["good"])
    first = services.submission_evaluate(submission_id=sub.pk)
    assert services.submission_evaluate(submission_id=sub.pk) is None
    again = Submission.objects.get(pk=sub.pk)
    assert again.metrics == first.metrics and again.attempts == 1


def test_a_malicious_model_fails_its_submission_and_the_next_one_is_scored(
        catalogue, member, settings):
    settings.DOIS_LEADERBOARD_CPU_S = 2
    loop = submit(member, built_models()["loop"], name="loop")
    huge = submit(member, built_models()["huge"], name="huge")
    good = submit(member, built_models()["good"], name="good")
    failed = services.submission_evaluate(submission_id=loop.pk)
    assert failed.status == "failed" and "CPU time" in failed.error
    assert failed.metrics == {}
    failed = services.submission_evaluate(submission_id=huge.pk)
    assert failed.status == "failed" and ("memory" in failed.error)
    assert "/" not in failed.error  # no server path
    assert services.submission_evaluate(submission_id=good.pk).status == "done"


def test_a_model_that_breaks_at_run_time_fails_with_the_reason(catalogue, member):
    sub = submit(member, built_models()["one_at_a_time"])
    failed = services.submission_evaluate(submission_id=sub.pk)
    assert failed.status == "failed"
    assert "model" in failed.error and "tmp" not in failed.error


def test_a_non_square_model_gets_the_crops_fitted_without_stretching(catalogue, member):
    sub = submit(member, built_models()["wide"])
    done = services.submission_evaluate(submission_id=sub.pk)
    assert done.status == "done"
    eval_set = services.eval_set_build()
    images, _ok = services.eval_images(eval_set=eval_set, height=24, width=40)
    array = np.load(images)
    assert array.shape[1:] == (24, 40, 3)
    assert (array[:, :, :8] == 127).all() and (array[:, :, -8:] == 127).all()  # grey sides


# --- the split changes; the active model's row --------------------------------------


def test_a_changed_split_gets_a_new_version_and_the_rows_are_evaluated_again(
        catalogue, member, _no_broker):
    sub = submit(member, built_models()["good"])
    services.submission_evaluate(submission_id=sub.pk)
    assert not board_rows()[0].stale
    PhotoFactory(individual=catalogue[0], state=Photo.State.CONFIRMED, split=Photo.Split.EVAL)
    _no_broker.clear()
    report = services.leaderboard_refresh()
    assert report["split"] == 2 and report["sent"] == 1
    assert ("dois.tasks.train_submission_evaluate", [sub.pk], "train") in _no_broker
    row = board_rows()[0]
    assert row.stale and row.submission.split.number == 1  # old figures shown meanwhile
    services.submission_evaluate(submission_id=sub.pk)
    row = board_rows()[0]
    assert not row.stale and row.submission.split.number == 2
    assert services.leaderboard_refresh()["split"] == 2  # no change, no version


def test_the_active_model_gets_its_row_beside_the_members(catalogue, member, model_version,
                                                          _no_broker):
    services.leaderboard_refresh()
    active = Submission.objects.get(kind=Submission.Kind.ACTIVE_MODEL)
    assert active.model_version == model_version and active.submitted_by is None
    assert ("dois.tasks.train_submission_evaluate", [active.pk], "train") in _no_broker
    assert services.submission_evaluate(submission_id=active.pk).status == "done"
    sub = submit(member, built_models()["good"])
    services.submission_evaluate(submission_id=sub.pk)
    rows = board_rows()
    assert [r.active_model for r in rows].count(True) == 1
    assert [r.rank for r in rows if not r.active_model] == [1]
    assert next(r for r in rows if r.active_model).rank is None


def test_a_worker_that_died_leaves_no_row_running_forever(member, _no_broker):
    sub = submit(member, built_models()["good"])
    old = timezone.now() - timedelta(hours=2)
    Submission.objects.filter(pk=sub.pk).update(status="running", started_at=old,
                                                attempts=1, sent_at=old)
    services.leaderboard_refresh()
    sub.refresh_from_db()
    assert sub.status == "queued" and sub.sent_at is not None
    Submission.objects.filter(pk=sub.pk).update(status="running", started_at=old,
                                                attempts=3)
    services.leaderboard_refresh()
    sub.refresh_from_db()
    assert sub.status == "failed" and "worker stopped" in sub.error


# --- the board ----------------------------------------------------------------------


def test_the_board_ranks_by_map5_and_names_authors_by_display_name(client, member):
    other = UserFactory(username="bob", display_name="", email="bob@example.org",
                        roles=["volunteer"])
    done_row(member, map5=0.5, name="middle", days_ago=3)
    done_row(other, map5=0.8, name="best", days_ago=1)
    done_row(member, map5=0.2, name="first", days_ago=5)
    Submission.objects.create(submitted_by=member, name="pending-one")
    rows = board_rows()
    assert [(r.rank, r.submission.name) for r in rows] == [(1, "best"), (2, "middle"),
                                                            (3, "first")]
    assert [r.author for r in rows] == ["bob", "Ada Member", "Ada Member"]
    history = board_history(rows=rows)
    assert [(round(v, 2), s.name) for _t, v, s in history] == [(0.2, "first"),
                                                               (0.5, "middle"),
                                                               (0.8, "best")]
    page = client.get("/en/dois/leaderboard/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(">best<") < html.index(">middle<") < html.index(">first<")
    assert "pending-one" not in html and "bob@example.org" not in html
    assert "<svg" in html and "board-chart-point" in html
    chart = html[html.index("<svg"):html.index("</svg>")]
    assert "<script" not in chart and "style=" not in chart


def test_the_board_stamps_each_row_with_its_split_version(client, catalogue, member):
    sub = submit(member, built_models()["good"])
    services.submission_evaluate(submission_id=sub.pk)
    html = client.get("/en/dois/leaderboard/").content.decode()
    assert "Evaluation split v1" in html and ">v1<" in html.replace("v1 ", "v1<")


def test_the_board_page_works_in_chinese(client, member):
    done_row(member, map5=0.5, name="net")
    html = client.get("/zh-hans/dois/leaderboard/").content.decode()
    assert "模型排行榜" in html and "net" in html


def test_an_empty_board_still_draws(client):
    html = client.get("/en/dois/leaderboard/").content.decode()
    assert "No model has been scored yet." in html


def test_a_submission_page_is_private_until_done(client, member):
    sub = submit(member, built_models()["good"])
    url = reverse("dois:leaderboard_submission", kwargs={"pk": sub.pk})
    assert client.get(url).status_code == 404
    client.force_login(member)
    page = client.get(url)
    assert page.status_code == 200 and b'http-equiv="refresh"' in page.content
    client.logout()
    Submission.objects.filter(pk=sub.pk).update(status="done", metrics={"map5": 0.4})
    assert client.get(url).status_code == 200


def test_the_submit_page(client, member):
    assert client.get("/en/dois/leaderboard/submit/").status_code == 302  # log in first
    client.force_login(member)
    assert client.get("/en/dois/leaderboard/submit/").status_code == 200
    wrong = client.post("/en/dois/leaderboard/submit/", {
        "file": model_upload(built_models()["image_out"]), "name": "bad"})
    assert wrong.status_code == 400 and "output must be N × D" in wrong.content.decode()
    ok = client.post("/en/dois/leaderboard/submit/", {
        "file": model_upload(built_models()["good"]), "name": "page-net",
        "notebook_url": "https://example.org/nb"})
    sub = Submission.objects.get(name="page-net")
    assert ok.status_code == 302 and ok["Location"].endswith(
        f"/dois/leaderboard/submissions/{sub.pk}/")


# --- promotion ----------------------------------------------------------------------


def test_a_researcher_promotes_a_done_submission_through_activation(
        client, catalogue, member, researcher, model_version, _no_broker,
        django_capture_on_commit_callbacks):
    sub = submit(member, built_models()["good"])
    services.submission_evaluate(submission_id=sub.pk)
    url = reverse("dois:leaderboard_promote", kwargs={"pk": sub.pk})
    client.force_login(member)
    assert client.post(url).status_code == 403
    client.force_login(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    sub.refresh_from_db()
    version = sub.promoted_version
    assert version is not None and version.state == ModelVersion.State.EMBEDDING_GALLERY
    assert "Ada Member" in version.notes and f"submission {sub.pk}" in version.notes
    assert sub.promoted_by == researcher
    assert ("dois.tasks.reembed_gallery", [version.pk, researcher.pk], "train") in _no_broker
    assert not version.is_active
    # the existing activation path: the gallery embedded with the new version, then switched
    assert model_version_activation_finish(model_version_id=version.pk,
                                           actor_id=researcher.pk)
    version.refresh_from_db()
    model_version.refresh_from_db()
    assert version.is_active and not model_version.is_active
    gallery = Photo.objects.gallery().count()
    assert version.embeddings.count() == gallery
    vector = np.frombuffer(version.embeddings.first().vector, np.float32)
    assert vector.shape == (DIM,)
    page = client.get(reverse("dois:leaderboard_submission", kwargs={"pk": sub.pk}))
    assert version.name in page.content.decode()


def test_a_model_identification_cannot_feed_is_not_promoted(catalogue, member, researcher):
    sub = submit(member, built_models()["uint8"])
    services.submission_evaluate(submission_id=sub.pk)
    with pytest.raises(ValidationError, match="can be ranked but not served"):
        services.submission_promote(submission=Submission.objects.get(pk=sub.pk),
                                                actor=researcher)
    assert not ModelVersion.objects.filter(name__startswith="board-").exists()


# --- the members' dataset -----------------------------------------------------------


def test_the_members_dataset_holds_the_training_split_only(tmp_path, catalogue, client,
                                                          member, researcher):
    private = PhotoFactory(individual=catalogue[0], state=Photo.State.CONFIRMED,
                           split=Photo.Split.TRAIN, is_public=False)
    eval_ids = set(Photo.objects.filter(split="eval").values_list("pk", flat=True))
    assert eval_ids
    summary = exports.dataset_export(out_dir=tmp_path / "m", members=True)
    assert summary["eval"] == 0 and summary["train"] == 12
    with (tmp_path / "m" / "photos.csv").open() as fh:
        ids = {int(r["photo_id"]) for r in csv.DictReader(fh)}
    assert not ids & eval_ids and private.pk not in ids
    data = np.load(tmp_path / "m" / "dataset.npz")
    assert {str(s) for s in data["splits"]} == {"train"}
    assert not set(data["photo_ids"].tolist()) & eval_ids

    call_command("export_dataset", str(tmp_path / "c"), "--members", stdout=io.StringIO())
    with (tmp_path / "c" / "photos.csv").open() as fh:
        assert not {int(r["photo_id"]) for r in csv.DictReader(fh)} & eval_ids

    url = reverse("dois:leaderboard_dataset")
    assert client.get(url).status_code == 302
    client.force_login(member)
    answer = client.get(url)
    assert answer.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(answer.streaming_content)
                                       if answer.streaming else answer.content)).namelist()
    assert not any(f"photo-{pk}.jpg" in n for n in names for pk in eval_ids)
    cached = services.members_dataset_zip()  # kept, not rebuilt per download
    assert cached.is_file() and services.members_dataset_zip() == cached
    PhotoFactory(individual=catalogue[1], state=Photo.State.CONFIRMED, split="train")
    assert services.members_dataset_zip() != cached and not cached.exists()
    # researchers still get everything
    full = zipfile.ZipFile(io.BytesIO(exports.dataset_zip())).namelist()
    assert any(f"photo-{pk}.jpg" in n for n in full for pk in eval_ids)


def test_the_starter_notebook_is_offered(client):
    answer = client.get(reverse("dois:leaderboard_notebook"))
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")
