"""Unguessable names for new material and photo files (existing files keep theirs, but no
URL serves MEDIA_ROOT any more), the download name of a material, and the hash that keeps
an event from holding the same photo twice."""

import common.files
from django.conf import settings
from django.db import migrations, models


def _download_names(apps, schema_editor):
    """Existing materials are downloaded under the last part of their stored name."""
    Material = apps.get_model("events", "Material")
    for material in Material.objects.exclude(file="").only("pk", "file"):
        Material.objects.filter(pk=material.pk).update(
            filename=material.file.name.rsplit("/", 1)[-1][:200])


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0003_meetups_complete'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='material',
            name='filename',
            field=models.CharField(blank=True, help_text='The name the file is downloaded as.', max_length=200, verbose_name='file name'),
        ),
        migrations.AddField(
            model_name='photo',
            name='sha256',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='SHA-256 of the upload'),
        ),
        migrations.AlterField(
            model_name='material',
            name='file',
            field=models.FileField(blank=True, max_length=200, upload_to=common.files.RandomName('events/materials'), verbose_name='file'),
        ),
        migrations.AlterField(
            model_name='photo',
            name='image',
            field=models.ImageField(blank=True, height_field='height', max_length=200, upload_to=common.files.RandomName('events/photos'), verbose_name='photo', width_field='width'),
        ),
        migrations.AlterField(
            model_name='photo',
            name='thumbnail',
            field=models.ImageField(blank=True, max_length=200, upload_to=common.files.RandomName('events/thumbs'), verbose_name='thumbnail'),
        ),
        migrations.AddConstraint(
            model_name='photo',
            constraint=models.UniqueConstraint(condition=models.Q(('sha256', ''), _negated=True), fields=('event', 'sha256'), name='events_photo_once_per_event'),
        ),
        migrations.RunPython(_download_names, migrations.RunPython.noop),
    ]
