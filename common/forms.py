"""Form pieces both apps need: several files in one field, and a service's errors shown
on the form that sent its input."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the browser choose several files (or a folder's)."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, returned as a list and left unchecked: the service
    checks each one on its own, so an empty or broken file is reported by name without
    losing the others. Pass ``widget=MultipleFileInput(attrs={"accept": ...})`` to hint
    at the types."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = list(data) if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


def form_errors_add(*, form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on ``form``: each field's messages on that
    field where the form has it, on the whole form otherwise."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
