"""Several files in one field, and a service's errors on the form that sent its input."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from common.forms import MultipleFileField, MultipleFileInput, form_errors_add


class FilesForm(forms.Form):
    files = MultipleFileField(widget=MultipleFileInput(attrs={"accept": "image/*"}))
    title = forms.CharField(required=False)


class OptionalFilesForm(forms.Form):
    files = MultipleFileField(required=False)


def _upload(name: str, data: bytes = b"x") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_every_chosen_file_comes_back_unchecked_in_order():
    chosen = [_upload("a.jpg"), _upload("empty.jpg", b""), _upload("b.txt")]
    form = FilesForm(data={}, files=MultiValueDict({"files": chosen}))
    assert form.is_valid(), form.errors
    # an empty file is the service's to refuse by name, not the form's to drop silently
    assert [f.name for f in form.cleaned_data["files"]] == ["a.jpg", "empty.jpg", "b.txt"]


def test_a_required_field_without_files_is_an_error_and_an_optional_one_is_empty():
    form = FilesForm(data={}, files=MultiValueDict())
    assert not form.is_valid()
    assert form.errors["files"] == [forms.Field.default_error_messages["required"]]
    optional = OptionalFilesForm(data={}, files=MultiValueDict())
    assert optional.is_valid() and optional.cleaned_data["files"] == []


def test_the_input_lets_the_browser_pick_several_files():
    html = FilesForm()["files"].as_widget()
    assert "multiple" in html and 'accept="image/*"' in html
    assert "multiple" in OptionalFilesForm()["files"].as_widget()


def test_field_errors_go_to_their_field_and_the_rest_to_the_form():
    form = FilesForm(data={"title": "t"}, files=MultiValueDict({"files": [_upload("a.jpg")]}))
    assert form.is_valid()
    form_errors_add(form=form, error=ValidationError({
        "title": "Too long.", "ends_at": ValidationError("The end is %(x)s.",
                                                         params={"x": "early"})}))
    assert form.errors["title"] == ["Too long."]
    assert form.non_field_errors() == ["The end is early."]
    assert "ends_at" not in form.errors


def test_an_error_without_fields_goes_to_the_whole_form():
    form = FilesForm(data={}, files=MultiValueDict({"files": [_upload("a.jpg")]}))
    assert form.is_valid()
    form_errors_add(form=form, error=ValidationError(["First.", "Second."]))
    assert form.non_field_errors() == ["First.", "Second."]
    assert not form.is_valid()
