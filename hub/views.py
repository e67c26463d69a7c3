from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.throttling import rate_limited
from events.selectors import event_list_upcoming, recording_list_latest
from hub import credit, selectors, services
from hub.forms import ProfileForm, SignUpForm
from hub.health import run_checks
from hub.models import Project
from hub.roles import ROLE_LABELS


def home(request):
    return render(request, "hub/home.html", {
        "upcoming": event_list_upcoming(limit=5),
        "recordings": recording_list_latest(limit=5),
        "projects": selectors.project_list_public(),
    })


def project_list(request):
    return render(request, "hub/project_list.html",
                  {"projects": selectors.project_list_public()})


def project_detail(request, slug: str):
    try:
        project = selectors.project_get_public(slug=slug)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "hub/project_detail.html", {"project": project})


@rate_limited("signup")
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("hub:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
                preferred_language=request.LANGUAGE_CODE,  # the page they signed up on
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready. We sent you a link "
                                        "to confirm your email address."))
            return redirect("hub:profile")
    return render(request, "registration/signup.html", {"form": form})


def email_confirm(request, token: str):
    """The link of the confirmation email: confirms the address, logged in or not."""
    user = services.email_verify(token=token)
    if user is None:
        messages.error(request, _("This confirmation link is invalid or has expired; "
                                  "send a new one from your profile."))
    else:
        messages.success(request, _("Your email address is confirmed."))
    if request.user.is_authenticated:
        return redirect("hub:profile")
    return redirect("login")


@login_required
def profile(request):
    """The member's profile; ``resend`` sends the address's confirmation link again."""
    user = request.user
    if request.method == "POST" and "resend" in request.POST:
        if not user.email_verified and services.email_verification_send(user=user):
            messages.success(request, _("We sent a new confirmation link to %(email)s.")
                             % {"email": user.email})
        return redirect("hub:profile")
    form = ProfileForm(
        request.POST or None,
        initial={"display_name": user.display_name, "email": user.email, "bio": user.bio,
                 "preferred_language": user.preferred_language,
                 "profile_public": user.profile_public},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_profile_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("hub:profile")
    roles = [ROLE_LABELS.get(group.name, group.name) for group in user.groups.order_by("name")]
    return render(request, "hub/profile.html", {
        "form": form, "roles": roles,
        "contributions": [s for s in credit.member_credit(user=user)
                          if any(c["value"] for c in s.counts)]})


@require_GET
@never_cache
def healthz(request):
    checks = run_checks()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if not failing else "fail", "failing": failing, "checks": checks}
    return JsonResponse(body, status=200 if not failing else 503)


ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /api/
Disallow: /en/accounts/
Disallow: /zh-hans/accounts/
"""


@require_GET
def robots_txt(request):
    """Crawlers' rules; also the lightest Django view there is (bench/bench_web.py's
    ceiling)."""
    response = HttpResponse(ROBOTS, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
