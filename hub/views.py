from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.throttling import rate_limited
from events.selectors import event_list_upcoming, recording_list_latest
from hub import selectors, services
from hub.forms import ProfileForm, SignUpForm
from hub.health import run_checks
from hub.models import Project


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
        user = services.user_sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            display_name=form.cleaned_data["display_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("hub:profile")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"display_name": user.display_name, "email": user.email, "bio": user.bio,
                 "preferred_language": user.preferred_language},
    )
    if request.method == "POST" and form.is_valid():
        services.user_profile_update(user=user, **form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("hub:profile")
    return render(request, "hub/profile.html", {"form": form,
                                                "roles": user.groups.order_by("name")})


@require_GET
@never_cache
def healthz(request):
    checks = run_checks()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if not failing else "fail", "failing": failing, "checks": checks}
    return JsonResponse(body, status=200 if not failing else 503)
