"""What the events forms share: the empty choice's label, local date-time inputs, and
wall-clock times read in the event's time zone."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.services import local_time_check

# Django's label for "nothing chosen", translated here (Django has no Chinese for it yet).
EMPTY_CHOICE = _("- Select an option -")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _in_zone(value: datetime | None, zone: str, field: str = "starts_at") -> datetime | None:
    """Read a wall-clock time typed by an organiser as a time in the event's zone; a
    time that does not exist there (the hour skipped at a daylight-saving change) is
    refused with the reason, never silently moved."""
    if value is None:
        return None
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return local_time_check(value=naive, zone=zone, field=field)


def zoned_fields_clean(form: forms.Form, names: tuple[str, ...], zone: str) -> None:
    """Read the named date-time fields as wall-clock times in ``zone``; a time that does
    not exist there becomes that field's error."""
    for name in names:
        try:
            form.cleaned_data[name] = _in_zone(form.cleaned_data.get(name), zone, name)
        except forms.ValidationError as exc:
            form.add_error(name, exc.message_dict[name])
            form.cleaned_data[name] = None
