"""Member credit pages: a member's public profile and the group's yearly thanks page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub import credit


def member(request, name: str):
    """A member's contributions, if they made their profile public (or it is their own)."""
    user = credit.member_get(name=name, viewer=request.user)
    if user is None:
        raise Http404
    return render(request, "hub/member.html", {
        "member": user, "label": credit.member_label(user=user),
        "own": request.user.is_authenticated and request.user.pk == user.pk,
        "sections": credit.member_credit(user=user)})


@login_required
@require_POST
def member_visibility(request):
    """The member shows or hides their own public profile."""
    user = credit.member_visibility_set(user=request.user,
                                        public=request.POST.get("public") == "1")
    messages.success(request, _("Your profile is public.") if user.profile_public
                     else _("Your profile is private: only you see it."))
    return redirect("hub:member", name=user.get_username())


def thanks(request, year: int | None = None):
    """The group's year: totals per part of the hub and the members who contributed."""
    years = credit.thanks_years()
    if year is None:
        return redirect("hub:thanks_year", year=years[0] if years else timezone.now().year)
    if not 2000 <= year <= timezone.now().year + 1:
        raise Http404
    return render(request, "hub/thanks.html", {
        "thanks": credit.year_thanks(year=year), "years": years})
