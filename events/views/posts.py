"""Post pages: the list, a post with its translation, the feed; summary posts written
or uploaded as Markdown files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from common.forms import form_errors_add
from events import feeds, rules, selectors, services
from events.forms import PostForm, PostImportForm
from events.models import Event, Post
from events.views.base import manage_form_page, managed_event


def post_list(request):
    return render(request, "events/post_list.html", {
        "posts": selectors.post_list_public(language=request.LANGUAGE_CODE),
        "can_import": rules.post_can_import(user=request.user)})


def post_detail(request, slug: str):
    try:
        post = selectors.post_get_visible(slug=slug, user=request.user)
    except Post.DoesNotExist as exc:
        raise Http404 from exc
    translation = selectors.post_translation_visible(post=post, user=request.user)
    return render(request, "events/post_detail.html", {"post": post,
                                                       "translation": translation})


def posts_atom(request):
    body = feeds.atom_posts(posts=selectors.post_list_public(language=request.LANGUAGE_CODE)[:50],
                            base_url=request.build_absolute_uri("/"),
                            self_url=request.build_absolute_uri())
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@managed_event
def post_edit(request, event: Event, pk: int | None = None):
    post = get_object_or_404(Post, pk=pk, event=event) if pk else None
    initial = {"language": request.LANGUAGE_CODE, "title": event.title}
    if post:
        initial = {"title": post.title, "description": post.description, "author": post.author,
                   "language": post.language, "categories": " ".join(post.categories),
                   "tags": " ".join(t.name for t in post.tags.all()), "body": post.body,
                   "translation": post.translation_id}
    form = PostForm(request.POST or None, initial=initial, event=event, post=post)

    def save(d):
        with transaction.atomic():
            saved = services.post_write(
                actor=request.user, event=event, post=post, title=d["title"], body=d["body"],
                description=d["description"], author=d["author"], language=d["language"],
                categories=d["categories"].split(), tags=d["tags"].split())
            if d["translation"] is not None or (post and post.translation_id):
                services.post_translation_link(actor=request.user, post=saved,
                                               other=d["translation"])

    return manage_form_page(request, event, form, _("Summary post"), save)


def _import_page(request, event: Event | None):
    """Upload Markdown posts; all imported: back with a message, else the report."""
    form = PostImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.posts_import_uploads(actor=request.user, event=event,
                                                   uploads=form.cleaned_data["files"])
        except ValidationError as exc:
            form_errors_add(form=form, error=exc)
        else:
            if not report.failed:
                messages.success(request, _("%(created)s created, %(updated)s updated.") % {
                    "created": len(report.created), "updated": len(report.updated)})
                if event is not None:
                    return redirect("events:manage", slug=event.slug)
                return redirect("events:post_list")
    return render(request, "events/post_import.html",
                  {"form": form, "event": event, "report": report})


@login_required
def post_import(request):
    services.post_import_require(actor=request.user)
    return _import_page(request, None)


@managed_event
def event_post_import(request, event: Event):
    return _import_page(request, event)
