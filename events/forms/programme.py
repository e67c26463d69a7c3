"""Forms of the programme: talks with their speakers, speaker profiles, proposals."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.extensions import challenge_provider
from events.forms.base import EMPTY_CHOICE, DateTimeLocalInput, zoned_fields_clean

REMOTE_MARKERS = ("(remote)", "（远程）", "(远程)")


def _lineup_parse(text: str) -> tuple[list[str], list[str]]:
    """One speaker a line (or comma-separated), in order; "(remote)" or "（远程）" after a
    name marks a speaker who joins remotely."""
    names, remote = [], []
    for raw in text.replace("，", ",").replace("\r", "").replace(",", "\n").split("\n"):
        name = raw.strip()
        is_remote = False
        for marker in REMOTE_MARKERS:
            if name.lower().endswith(marker):
                name, is_remote = name[: -len(marker)].strip(), True
        if name:
            names.append(name)
            if is_remote:
                remote.append(name)
    return names, remote


class TalkForm(forms.Form):
    title = forms.CharField(label=_("Title (English)"), max_length=200,
                            help_text=_("Or the only title, in any language."))
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200, required=False)
    speakers = forms.CharField(
        label=_("Speakers"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, in order; no account needed. Add “(remote)” after a name "
                    "who joins remotely."))
    abstract = forms.CharField(label=_("Abstract (English)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 5}), help_text=_("Markdown."))
    abstract_zh = forms.CharField(label=_("Abstract (Chinese)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("Markdown."))
    starts_at = forms.DateTimeField(label=_("Time"), widget=DateTimeLocalInput(), required=False,
                                    help_text=_("In the event's time zone."))
    model_submission = forms.TypedChoiceField(
        label=_("Model presented"), required=False, coerce=int, empty_value=None,
        help_text=_("A model on the leaderboard that the talk presents: only finished "
                    "submissions, which anyone may see, can be chosen."))

    def __init__(self, *args, event, current_submission: int | None = None, **kwargs):
        """``current_submission``: the talk's linked submission, kept as a choice even
        while the board does not show it (saving then leaves it as it is)."""
        self.event = event
        super().__init__(*args, **kwargs)
        provider = challenge_provider()
        if provider is None:  # no leaderboard (dois absent): nothing to link
            del self.fields["model_submission"]
            return
        choices = list(provider.submission_choices())
        if current_submission and all(pk != current_submission for pk, _label in choices):
            choices.insert(0, (current_submission, _("#%(id)s (not on the board now)")
                               % {"id": current_submission}))
        self.fields["model_submission"].choices = [("", EMPTY_CHOICE), *choices]

    def clean(self):
        data = super().clean()
        zoned_fields_clean(self, ("starts_at",), self.event.timezone)
        data = self.cleaned_data
        data["speaker_names"], data["remote_speakers"] = _lineup_parse(data.get("speakers") or "")
        return data

    @classmethod
    def initial_for(cls, talk) -> dict:
        starts_at = None
        if talk.starts_at:
            starts_at = timezone.localtime(talk.starts_at, ZoneInfo(talk.event.timezone))
            starts_at = starts_at.replace(tzinfo=None)
        lines = [f"{ts.speaker.name} (remote)" if ts.remote else ts.speaker.name
                 for ts in talk.lineup]
        return {"title": talk.title, "abstract": talk.abstract, "starts_at": starts_at,
                "title_zh": talk.title_zh, "abstract_zh": talk.abstract_zh,
                "speakers": "\n".join(lines), "model_submission": talk.model_submission}


class SpeakerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    bio = forms.CharField(label=_("Bio"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                          help_text=_("Markdown."))
    url = forms.URLField(label=_("Website"), required=False)
    photo = forms.ImageField(label=_("Photo"), required=False,
                             help_text=_("JPEG, PNG or WebP; stored without EXIF."))
    photo_clear = forms.BooleanField(label=_("Remove the photo"), required=False)
    username = forms.CharField(label=_("Linked account (username)"), max_length=150,
                               required=False,
                               help_text=_("The member who is this speaker; empty for none."))

    def __init__(self, *args, can_link: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_link:
            del self.fields["username"]

    @classmethod
    def initial_for(cls, speaker) -> dict:
        return {"name": speaker.name, "bio": speaker.bio, "url": speaker.url,
                "username": speaker.user.get_username() if speaker.user else ""}


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    abstract = forms.CharField(label=_("Abstract"), widget=forms.Textarea(attrs={"rows": 6}),
                               help_text=_("What you will show, for whom; Markdown."))
    remote = forms.BooleanField(label=_("I would join remotely"), required=False)


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"),
                                 choices=[("accept", _("Accept")), ("decline", _("Decline"))],
                                 widget=forms.RadioSelect)
    message = forms.CharField(label=_("Message to the member"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
