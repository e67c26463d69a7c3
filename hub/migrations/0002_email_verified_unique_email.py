"""Email addresses are confirmed and belong to one account.

Accounts created before confirmation existed keep getting mail: their addresses count
as confirmed. Two accounts that share an address (in any case) stop the migration with
the list, so an operator decides which account keeps it.
"""

from django.db import migrations, models
from django.db.models import Count, Q
from django.db.models.functions import Lower


def _check_and_grandfather(apps, schema_editor):
    User = apps.get_model("hub", "User")
    shared = (User.objects.exclude(email="").annotate(address=Lower("email"))
              .values("address").annotate(n=Count("id")).filter(n__gt=1))
    if shared:
        addresses = ", ".join(sorted(row["address"] for row in shared))
        raise RuntimeError(
            "These email addresses belong to more than one account; give each account its "
            f"own address (or empty it) in the admin, then migrate again: {addresses}")
    User.objects.exclude(email="").update(email_verified=True)


class Migration(migrations.Migration):

    dependencies = [
        ("hub", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified",
            field=models.BooleanField(
                default=False, verbose_name="email address confirmed",
                help_text="The member opened the confirmation link sent to this address; "
                          "only confirmed addresses get the site's emails."),
        ),
        migrations.AlterField(
            model_name="user",
            name="preferred_language",
            field=models.CharField(
                blank=True, choices=[("en", "English"), ("zh-hans", "Simplified Chinese")],
                help_text="The language of the site's emails; recorded at sign-up.",
                max_length=10, verbose_name="preferred language"),
        ),
        migrations.RunPython(_check_and_grandfather, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(Lower("email"), condition=~Q(email=""),
                                               name="hub_user_email_unique_ci"),
        ),
    ]
