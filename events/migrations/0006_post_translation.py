"""A post's version in the other language (the zh and en summaries of a meetup)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0005_venues_speakers_rsvps_mail_proposals"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="translation",
            field=models.OneToOneField(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="+", to="events.post", verbose_name="translation",
                help_text="The same post in the other language (each points at the other)."),
        ),
    ]
