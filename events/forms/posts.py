"""Forms of summary posts: written on the site, or Markdown files uploaded."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.forms import MultipleFileField, MultipleFileInput
from events.forms.base import EMPTY_CHOICE
from events.models import Post


class PostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    author = forms.CharField(label=_("Author"), max_length=120, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    categories = forms.CharField(label=_("Categories"), required=False,
                                 help_text=_("Separated by spaces."))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by spaces."))
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}),
                           help_text=_("Markdown. Images keep their URLs."))
    translation = forms.ModelChoiceField(
        label=_("The same post in the other language"), queryset=Post.objects.none(),
        required=False, empty_label=EMPTY_CHOICE)

    def __init__(self, *args, event, post=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = event.posts.all()
        if post is not None:
            others = others.exclude(pk=post.pk)
        self.fields["translation"].queryset = others.order_by("-published_at")


class PostImportForm(forms.Form):
    files = MultipleFileField(
        label=_("Markdown files"),
        widget=MultipleFileInput(attrs={"accept": ".md,.markdown,text/markdown"}),
        help_text=_("Posts as static-site blogs write them: YAML front matter (title, "
                    "description, author, categories, tags) and a Markdown body. A file "
                    "with the slug of an existing post updates that post."))
