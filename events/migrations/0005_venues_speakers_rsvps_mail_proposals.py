"""Venues with history (``replaced_by``), a stable calendar UID per event, the order of a
talk's speakers and who of them joins remotely (``TalkSpeaker``, from the old ``remote``
flag of the talk), speaker photos, RSVP guests, deadline and language, one row per
email (``Mail``), talk proposals, and slugs that may hold Chinese."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import common.files


def _uids(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    for pk in Event.objects.filter(uid__isnull=True).values_list("pk", flat=True):
        Event.objects.filter(pk=pk).update(uid=uuid.uuid4())


def _lineups(apps, schema_editor):
    """Copy each talk's speakers into TalkSpeaker, in the order they were added; a talk
    marked remote makes all its speakers remote (the best the old data says)."""
    Talk = apps.get_model("events", "Talk")
    TalkSpeaker = apps.get_model("events", "TalkSpeaker")
    Through = Talk.speakers.through
    rows = []
    remote = dict(Talk.objects.values_list("pk", "remote"))
    position: dict[int, int] = {}
    for link in Through.objects.order_by("talk_id", "id"):
        n = position.get(link.talk_id, 0)
        position[link.talk_id] = n + 1
        rows.append(TalkSpeaker(talk_id=link.talk_id, speaker_id=link.speaker_id, position=n,
                                remote=remote.get(link.talk_id, False)))
    TalkSpeaker.objects.bulk_create(rows)


def _lineups_back(apps, schema_editor):
    Talk = apps.get_model("events", "Talk")
    TalkSpeaker = apps.get_model("events", "TalkSpeaker")
    for link in TalkSpeaker.objects.order_by("talk_id", "position", "id"):
        talk = Talk.objects.get(pk=link.talk_id)
        talk.speakers.add(link.speaker_id)
        if link.remote:
            Talk.objects.filter(pk=link.talk_id).update(remote=True)


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0004_private_files_and_public_querysets"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # --- venues ---------------------------------------------------------------------
        migrations.AlterModelOptions(
            name="venue",
            options={"ordering": ["name", "id"], "verbose_name": "venue",
                     "verbose_name_plural": "venues"},
        ),
        migrations.AddField(
            model_name="venue", name="replaced_by",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="earlier", to="events.venue", verbose_name="replaced by",
                help_text="The newer version of this venue; past events keep this one."),
        ),
        migrations.AddField(
            model_name="venue", name="created_at",
            field=models.DateTimeField(auto_now_add=True, null=True),
        ),
        migrations.AddField(
            model_name="venue", name="updated_at",
            field=models.DateTimeField(auto_now=True, null=True),
        ),
        # --- events ---------------------------------------------------------------------
        migrations.AddField(
            model_name="event", name="uid",
            field=models.UUIDField(editable=False, null=True, verbose_name="calendar UID"),
        ),
        migrations.RunPython(_uids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event", name="uid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="calendar UID",
                help_text="Identifies the event in calendars, whatever the site's address."),
        ),
        migrations.AddField(
            model_name="event", name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled at"),
        ),
        migrations.AddField(
            model_name="event", name="max_guests",
            field=models.PositiveSmallIntegerField(
                default=0, verbose_name="guests per RSVP",
                help_text="How many guests (+N) a member may bring on site; they take seats."),
        ),
        migrations.AddField(
            model_name="event", name="rsvp_deadline",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="RSVP deadline",
                help_text="After this, no new RSVPs; empty means until the event starts."),
        ),
        migrations.AlterField(
            model_name="event", name="stream_url",
            field=models.URLField(
                blank=True, verbose_name="online stream link",
                help_text="Shown only to members who RSVP'd online, until the event ends."),
        ),
        migrations.AlterField(
            model_name="event", name="slug",
            field=models.SlugField(allow_unicode=True, max_length=120, unique=True,
                                   verbose_name="slug"),
        ),
        migrations.AlterField(
            model_name="post", name="slug",
            field=models.SlugField(allow_unicode=True, max_length=160, unique=True,
                                   verbose_name="slug"),
        ),
        migrations.AlterField(
            model_name="series", name="slug",
            field=models.SlugField(allow_unicode=True, max_length=120, unique=True,
                                   verbose_name="slug"),
        ),
        migrations.AlterField(
            model_name="speaker", name="slug",
            field=models.SlugField(allow_unicode=True, max_length=120, unique=True,
                                   verbose_name="slug"),
        ),
        migrations.AddField(
            model_name="speaker", name="photo",
            field=models.ImageField(blank=True, max_length=200,
                                    upload_to=common.files.RandomName("events/speakers"),
                                    verbose_name="photo"),
        ),
        # --- RSVPs ----------------------------------------------------------------------
        migrations.AddField(
            model_name="rsvp", name="guests",
            field=models.PositiveSmallIntegerField(
                default=0, verbose_name="guests",
                help_text="People the member brings on site (+N)."),
        ),
        migrations.AddField(
            model_name="rsvp", name="wants_onsite",
            field=models.BooleanField(
                default=False, verbose_name="waiting for a seat",
                help_text="Going online and waiting for a seat on site: the seat is given "
                          "when one becomes free, in waitlist order."),
        ),
        migrations.AddField(
            model_name="rsvp", name="language",
            field=models.CharField(
                blank=True, max_length=10, verbose_name="language",
                help_text="The site's language when the member answered (for email when "
                          "the member has not chosen one)."),
        ),
        migrations.AddField(
            model_name="rsvp", name="updated_at",
            field=models.DateTimeField(auto_now=True, null=True, verbose_name="changed at"),
        ),
        # --- talks: ordered speakers, remote per speaker ---------------------------------
        migrations.CreateModel(
            name="TalkSpeaker",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=0,
                                                              verbose_name="position")),
                ("remote", models.BooleanField(default=False, verbose_name="joins remotely")),
                ("speaker", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                              related_name="talk_roles", to="events.speaker")),
                ("talk", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="talk_speakers", to="events.talk")),
            ],
            options={"verbose_name": "speaker of a talk",
                     "verbose_name_plural": "speakers of talks",
                     "ordering": ["position", "id"]},
        ),
        migrations.AddConstraint(
            model_name="talkspeaker",
            constraint=models.UniqueConstraint(fields=("talk", "speaker"),
                                               name="events_talk_speaker_once"),
        ),
        migrations.RunPython(_lineups, _lineups_back),
        migrations.RemoveField(model_name="talk", name="remote"),
        migrations.RemoveField(model_name="talk", name="speakers"),
        migrations.AddField(
            model_name="talk", name="speakers",
            field=models.ManyToManyField(related_name="talks", through="events.TalkSpeaker",
                                         to="events.speaker", verbose_name="speakers"),
        ),
        # --- proposals and mail -----------------------------------------------------------
        migrations.CreateModel(
            name="TalkProposal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("abstract", models.TextField(help_text="Markdown.", verbose_name="abstract")),
                ("remote", models.BooleanField(default=False,
                                               verbose_name="I would join remotely")),
                ("status", models.CharField(
                    choices=[("submitted", "Submitted"), ("accepted", "Accepted"),
                             ("declined", "Declined"), ("withdrawn", "Withdrawn")],
                    default="submitted", max_length=12, verbose_name="status")),
                ("message", models.TextField(blank=True, verbose_name="message to the member")),
                ("decided_at", models.DateTimeField(blank=True, null=True,
                                                    verbose_name="decided at")),
                ("created_at", models.DateTimeField(auto_now_add=True,
                                                    verbose_name="proposed at")),
                ("decided_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="decided by")),
                ("event", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="proposals",
                    to="events.event", verbose_name="event")),
                ("talk", models.OneToOneField(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="proposal", to="events.talk", verbose_name="talk")),
                ("user", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="talk_proposals",
                    to=settings.AUTH_USER_MODEL, verbose_name="member")),
            ],
            options={"verbose_name": "talk proposal", "verbose_name_plural": "talk proposals",
                     "ordering": ["created_at", "id"]},
        ),
        migrations.CreateModel(
            name="Mail",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("kind", models.CharField(
                    choices=[("confirmed", "RSVP confirmation"),
                             ("waitlisted", "On the waitlist"),
                             ("promoted", "A seat became free"),
                             ("reminder", "Reminder the day before"),
                             ("cancelled", "Event cancelled"),
                             ("proposal_accepted", "Talk proposal accepted"),
                             ("proposal_declined", "Talk proposal declined"),
                             ("proposal_received", "New talk proposal")],
                    max_length=20, verbose_name="kind")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="queued at")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                ("attempts", models.PositiveSmallIntegerField(default=0,
                                                              verbose_name="attempts")),
                ("last_error", models.CharField(blank=True, max_length=300,
                                                verbose_name="last error")),
                ("event", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="mails",
                    to="events.event", verbose_name="event")),
                ("proposal", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                    related_name="mails", to="events.talkproposal")),
                ("user", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="event_mails",
                    to=settings.AUTH_USER_MODEL, verbose_name="member")),
            ],
            options={"verbose_name": "email", "verbose_name_plural": "emails",
                     "ordering": ["-created_at", "-id"]},
        ),
        migrations.AddConstraint(
            model_name="mail",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ["cancelled", "reminder"])),
                fields=("event", "user", "kind"), name="events_mail_once_per_event"),
        ),
    ]
