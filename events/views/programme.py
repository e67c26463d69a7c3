"""Programme pages: speakers and their profiles, an event's talks, members' talk
proposals and the organisers' decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import form_errors_add
from common.throttling import rate_limited
from events import rules, selectors, services
from events.forms import ProposalDecisionForm, ProposalForm, SpeakerForm, TalkForm
from events.models import Event, Speaker, Talk, TalkProposal
from events.views.base import (
    manage_action,
    manage_delete_page,
    manage_form_page,
    managed_event,
    stored_file,
)


def speaker_list(request):
    return render(request, "events/speaker_list.html", {"speakers": selectors.speaker_list()})


def speaker_detail(request, slug: str):
    try:
        speaker = selectors.speaker_get(slug=slug, user=request.user)
    except Speaker.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "events/speaker_detail.html", {
        "speaker": speaker,
        "can_edit": rules.speaker_can_edit(user=request.user, speaker=speaker)})


@require_GET
def speaker_photo(request, slug: str):
    """A speaker's photo (re-encoded without EXIF), where the speaker's page is visible."""
    try:
        speaker = selectors.speaker_get_photo(slug=slug, user=request.user)
    except Speaker.DoesNotExist as exc:
        raise Http404 from exc
    return stored_file(name=speaker.photo.name, filename=f"{speaker.slug}.jpg", inline=True,
                       private=False)


@login_required
@rate_limited("uploads")
def speaker_edit(request, slug: str):
    try:
        speaker = selectors.speaker_get_editable(slug=slug, user=request.user)
    except Speaker.DoesNotExist as exc:
        raise PermissionDenied(_("Only organisers, or the speaker themself, may edit this "
                                 "profile.")) from exc
    can_link = rules.speaker_can_edit(user=request.user)
    form = SpeakerForm(request.POST or None, request.FILES or None, can_link=can_link,
                       initial=SpeakerForm.initial_for(speaker))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            speaker = services.speaker_update(
                actor=request.user, speaker=speaker, name=data["name"], bio=data["bio"],
                url=data["url"], username=data.get("username") if can_link else None,
                photo=data["photo"], photo_clear=data["photo_clear"])
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(speaker)
    return render(request, "events/speaker_form.html", {"form": form, "speaker": speaker})


@managed_event
def talk_add(request, event: Event):
    form = TalkForm(request.POST or None, event=event)

    def save(d: dict) -> None:
        services.talk_add(
            actor=request.user, event=event, title=d["title"], speaker_names=d["speaker_names"],
            abstract=d["abstract"], starts_at=d["starts_at"],
            remote_speakers=d["remote_speakers"], title_zh=d["title_zh"],
            abstract_zh=d["abstract_zh"], model_submission=d.get("model_submission"))

    return manage_form_page(request, event, form, _("Add a talk"), save)


@managed_event
def talk_edit(request, event: Event, pk: int):
    talk = get_object_or_404(Talk, pk=pk, event=event)
    form = TalkForm(request.POST or None, event=event, initial=TalkForm.initial_for(talk),
                    current_submission=talk.model_submission)

    def save(d: dict) -> None:
        # without a leaderboard (no field) the talk's link stays as it is
        linked = ({"model_submission": d["model_submission"]}
                  if "model_submission" in form.fields else {})
        services.talk_update(
            actor=request.user, talk=talk, title=d["title"], speaker_names=d["speaker_names"],
            abstract=d["abstract"], starts_at=d["starts_at"],
            remote_speakers=d["remote_speakers"], title_zh=d["title_zh"],
            abstract_zh=d["abstract_zh"], **linked)

    return manage_form_page(request, event, form, _("Edit the talk"), save)


@require_http_methods(["GET", "POST"])
@managed_event
def talk_delete(request, event: Event, pk: int):
    talk = get_object_or_404(Talk, pk=pk, event=event)
    return manage_delete_page(
        request, event, obj=talk, kind=_("talk"),
        consequence=_("Its recordings and materials stay with the event; the speakers keep "
                      "their profiles."),
        delete=lambda: services.talk_delete(actor=request.user, talk=talk))


@login_required
def proposal_submit(request, slug: str):
    event = get_object_or_404(Event.objects.public(), slug=slug)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_submit(actor=request.user, event=event,
                                     **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            messages.success(request, _("Thank you! The organisers will answer by email."))
            return redirect(event)
    return render(request, "events/proposal_form.html", {"form": form, "event": event})


@require_POST
@login_required
def proposal_withdraw(request, slug: str, pk: int):
    proposal = get_object_or_404(TalkProposal, pk=pk, event__slug=slug, user=request.user)
    try:
        services.proposal_withdraw(actor=request.user, proposal=proposal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your proposal is withdrawn."))
    return redirect(proposal.event)


@require_POST
@managed_event
def proposal_decide(request, event: Event, pk: int):
    proposal = get_object_or_404(TalkProposal, pk=pk, event=event)
    form = ProposalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept or decline."))
        return redirect("events:manage", slug=event.slug)
    accept = form.cleaned_data["decision"] == "accept"
    return manage_action(request, event,
                         lambda: services.proposal_decide(
                       actor=request.user, proposal=proposal, accept=accept,
                       message=form.cleaned_data["message"]),
                         _("Accepted: the talk is in the programme.") if accept
                         else _("Declined; the member gets your message."))
