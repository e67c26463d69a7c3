"""Summary posts: written on the site, imported from Markdown files with YAML front
matter (uploaded, or by ``manage.py import_posts``), and linked to their translation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import frontmatter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from common.permissions import Actor, permission_require
from events.models import Event, Post
from events.rules import event_can_manage, post_can_edit, post_can_import, post_can_write
from events.services.shared import event_manage_require, slug_unique, tags_get_or_create, tags_parse

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_NOT_PROSE = re.compile(r"```.*?```|`[^`]*`|\]\([^)]*\)|https?://\S+|<[^>]+>", re.S)

_DATED_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")

POST_RESERVED_SLUGS = {"import"}
MARKDOWN_SUFFIXES = (".md", ".markdown")


def _guess_language(text: str) -> str:
    """Chinese when the prose (without code, link targets and tags) holds at least as
    many Chinese characters as English words; a short Chinese post counts too."""
    prose = _NOT_PROSE.sub(" ", text)
    chinese = len(_CJK.findall(prose))
    return "zh-hans" if chinese and chinese >= len(_LATIN_WORD.findall(prose)) else "en"


@transaction.atomic
def post_write(*, actor: Actor | None, title: str, body: str, description: str = "",
               author: str = "", categories: list[str] | None = None,
               tags: list[str] | None = None, language: str = "", event: Event | None = None,
               slug: str = "",
               published_at: datetime | None = None, post: Post | None = None) -> Post:
    """Create or edit a summary post; a post about an event needs that event's organiser."""
    if event is not None:
        event_manage_require(actor=actor, event=event)
    else:
        permission_require(allowed=post_can_write(user=actor),
                           message=_("Only organisers may write posts."))
    post = post or Post()
    if post.pk and post.event_id and post.event_id != getattr(event, "pk", None):
        event_manage_require(actor=actor, event=post.event)
    post.title, post.body, post.description, post.author = title, body, description, author
    post.categories = categories or []
    post.language = language or _guess_language(body)
    post.event = event
    post.published_at = published_at or post.published_at or timezone.now()
    if not post.slug:
        post.slug = slug_unique(model=Post, base=slug or title,
                                 fallback=f"post-{post.published_at:%Y-%m-%d}")
    post.full_clean()
    post.save()
    post.tags.set(tags_get_or_create(names=tags or []))
    return post


def _post_edit_require(*, actor: Actor | None, post: Post) -> None:
    if post.event_id is not None:
        event_manage_require(actor=actor, event=post.event)
    else:
        permission_require(allowed=post_can_edit(user=actor, post=post),
                           message=_("Only organisers may write posts."))


@transaction.atomic
def post_translation_link(*, actor: Actor, post: Post, other: Post | None) -> Post:
    """Make ``other`` the version of ``post`` in the other language, both ways (``None``
    unlinks). Each post has at most one translation; older links are undone."""
    _post_edit_require(actor=actor, post=post)
    if other is not None:
        _post_edit_require(actor=actor, post=other)
        if other.pk == post.pk or other.language == post.language:
            raise ValidationError({"translation": _(
                "A translation is a post in the other language.")})
    ids = [post.pk] + ([other.pk] if other is not None else [])
    Post.objects.filter(translation_id__in=ids).update(translation=None)
    Post.objects.filter(pk__in=ids).update(translation=None)
    if other is not None:
        Post.objects.filter(pk=post.pk).update(translation=other)
        Post.objects.filter(pk=other.pk).update(translation=post)
    post.refresh_from_db()
    return post


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def post_import_text(*, text: str, name: str, actor: Actor | None = None,
                     event: Event | None = None) -> tuple[Post, bool]:
    """Import one Markdown file with YAML front matter; idempotent by slug.

    The slug is the front matter's ``slug`` or the file name (a Jekyll date prefix
    ``YYYY-MM-DD-`` gives the publication date). Images keep their URLs. Returns the
    post and whether it was created. Problems with the file raise ``ValueError``.

    Without ``actor`` (``manage.py import_posts``) the operator is trusted. With an
    ``actor`` (an upload on the site) the post's event, whether ``event`` (which wins
    over the front matter's ``event:``) or the one the existing post already has, must be
    one the actor organises, and a post of no event needs ``events.import_posts``.
    """
    try:
        doc = frontmatter.loads(text)
    except Exception as exc:  # YAML errors come in many types
        raise ValueError(_("the front matter is not valid YAML: %(error)s")
                         % {"error": exc}) from exc
    meta = doc.metadata
    title = str(meta.get("title") or "").strip()
    if not title:
        raise ValueError(_("the front matter has no title"))
    stem = Path(name).stem
    published_at = None
    match = _DATED_NAME.match(stem)
    raw_date = meta.get("date")
    if raw_date:
        if isinstance(raw_date, datetime):
            published_at = raw_date
        else:
            try:
                published_at = datetime.fromisoformat(str(raw_date))
            except ValueError as exc:
                raise ValueError(_("the date %(date)r is not a date")
                                 % {"date": raw_date}) from exc
    elif match:
        published_at = datetime(int(match[1]), int(match[2]), int(match[3]), 12)
    if published_at is not None and timezone.is_naive(published_at):
        published_at = timezone.make_aware(published_at, ZoneInfo(settings.TIME_ZONE))
    slug = slugify(str(meta.get("slug") or stem))[:160]
    if not slug or slug in POST_RESERVED_SLUGS:
        raise ValueError(_("cannot make a slug from the file name; add `slug:` to the "
                           "front matter"))
    if event is None and meta.get("event"):
        event = Event.objects.filter(slug=str(meta["event"])).first()
    language = str(meta.get("lang") or meta.get("language") or "") or _guess_language(doc.content)
    if language not in dict(settings.LANGUAGES):
        language = _guess_language(doc.content)
    with transaction.atomic():
        post, created = Post.objects.select_for_update().get_or_create(
            slug=slug, defaults={"title": title, "body": doc.content,
                                 "published_at": published_at or timezone.now()})
        if actor is not None:
            _require_import(actor=actor, event=event or post.event)
            if post.event_id and post.event_id != getattr(event, "pk", post.event_id):
                _require_import(actor=actor, event=post.event)
        post.title = title
        post.description = str(meta.get("description") or "")[:300]
        post.author = str(meta.get("author") or "")[:120]
        post.categories = tags_parse(value=meta.get("categories"))
        post.body = doc.content
        post.language = language
        post.event = event or post.event
        if published_at is not None:
            post.published_at = published_at
        post.full_clean()
        post.save()
        post.tags.set(tags_get_or_create(names=tags_parse(value=meta.get("tags"))))
        other_slug = str(meta.get("translation") or "").strip()
        other = Post.objects.filter(slug=other_slug).first() if other_slug else None
        if other is not None and other.language != post.language:
            # the other version may be imported first or second: whichever comes later links
            if actor is not None:
                post_translation_link(actor=actor, post=post, other=other)
            else:
                Post.objects.filter(translation_id__in=[post.pk, other.pk]).update(
                    translation=None)
                Post.objects.filter(pk=post.pk).update(translation=other)
                Post.objects.filter(pk=other.pk).update(translation=post)
    return post, created


def _require_import(*, actor: Actor, event: Event | None) -> None:
    if event is not None:
        if not event_can_manage(user=actor, event=event):
            raise PermissionDenied(
                _("only the organisers of %(event)s may import its posts")
                % {"event": event.title})
    elif not post_can_import(user=actor):
        raise PermissionDenied(_("only organisers may import posts"))


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _check_size(*, upload: UploadedFile) -> None:
    if upload.size is not None and upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is too large: %(size)s bytes, the limit is %(limit)s bytes.")
            % {"name": upload.name, "size": upload.size, "limit": settings.UPLOAD_MAX_BYTES})


def post_import_require(*, actor: Actor | None) -> None:
    """Refuse unless ``actor`` may import posts of no event
    (:func:`events.rules.post_can_import`)."""
    permission_require(allowed=post_can_import(user=actor),
                       message=_("Only organisers may import posts."))


def posts_import_uploads(*, actor: Actor, uploads: list[UploadedFile],
                         event: Event | None = None) -> ImportReport:
    """Import Markdown files uploaded on the site, each on its own: a file that cannot be
    read, or that the actor may not import, is reported by name and the rest go on.

    With ``event`` (the upload form of an event's manage page) every post belongs to
    that event and the actor must organise it; otherwise the actor needs
    ``events.import_posts``.
    """
    if event is not None:
        event_manage_require(actor=actor, event=event)
    else:
        post_import_require(actor=actor)
    if not uploads:
        raise ValidationError(_("Choose at least one Markdown file."))
    report = ImportReport()
    for upload in uploads:
        name = Path(upload.name or "").name
        try:
            if not name.lower().endswith(MARKDOWN_SUFFIXES):
                raise ValueError(_("not a Markdown file (.md)"))
            _check_size(upload=upload)
            upload.seek(0)
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ValueError(_("the file is not UTF-8 text")) from exc
            post, created = post_import_text(text=text, name=name, actor=actor, event=event)
        except (OSError, ValueError, ValidationError, PermissionDenied) as exc:
            report.failed.append((name, _error_text(exc)))
            continue
        (report.created if created else report.updated).append(post.slug)
    return report


def posts_import_files(*, paths: list[str | Path]) -> ImportReport:
    """Import many files; a file that cannot be read is reported and the rest go on."""
    report = ImportReport()
    for path in paths:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            post, created = post_import_text(text=text, name=path.name)
        except (OSError, UnicodeDecodeError, ValueError, ValidationError) as exc:
            report.failed.append((str(path), _error_text(exc)))
            continue
        (report.created if created else report.updated).append(post.slug)
    return report
