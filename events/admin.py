"""The events models in Django's admin, for operators. Organisers use the site's own
pages, where the rules of :mod:`events.services` apply; the admin is for repairs."""

from django.contrib import admin

from events.models import (
    RSVP,
    Event,
    Mail,
    Material,
    Photo,
    Post,
    Recording,
    Series,
    Speaker,
    Tag,
    Talk,
    TalkProposal,
    TalkSpeaker,
    Venue,
)


class TalkInline(admin.TabularInline):
    model = Talk
    extra = 0
    fields = ("title", "starts_at")
    show_change_link = True


class TalkSpeakerInline(admin.TabularInline):
    model = TalkSpeaker
    extra = 0
    autocomplete_fields = ("speaker",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "starts_at", "timezone", "status", "venue", "capacity")
    list_filter = ("status", "model_night", "series")
    search_fields = ("title", "slug", "description")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("venue", "organisers", "tags")
    readonly_fields = ("uid", "published_at", "cancelled_at", "created_at", "updated_at")
    inlines = [TalkInline]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "replaced_by")
    list_filter = (("replaced_by", admin.EmptyFieldListFilter),)
    search_fields = ("name", "address")


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "url")
    search_fields = ("name", "slug")
    autocomplete_fields = ("user",)


@admin.register(Talk)
class TalkAdmin(admin.ModelAdmin):
    list_display = ("title", "event", "starts_at")
    search_fields = ("title", "event__title")
    autocomplete_fields = ("event",)
    inlines = [TalkSpeakerInline]


@admin.register(RSVP)
class RSVPAdmin(admin.ModelAdmin):
    list_display = ("user", "event", "mode", "status", "guests", "checked_in_at")
    list_filter = ("status", "mode")
    search_fields = ("user__username", "event__title")
    autocomplete_fields = ("user", "event")


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ("title", "event", "kind", "provider")
    list_filter = ("kind", "provider")
    search_fields = ("title", "event__title")
    autocomplete_fields = ("event", "talk")


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ("title", "event", "kind", "filename")
    list_filter = ("kind",)
    search_fields = ("title", "event__title")
    autocomplete_fields = ("event", "talk")


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ("__str__", "event", "width", "height", "created_at")
    search_fields = ("caption", "event__title")
    autocomplete_fields = ("event",)
    readonly_fields = ("sha256", "width", "height")


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("title", "language", "event", "published_at")
    list_filter = ("language",)
    search_fields = ("title", "slug", "body")
    autocomplete_fields = ("event", "tags")


@admin.register(TalkProposal)
class TalkProposalAdmin(admin.ModelAdmin):
    list_display = ("title", "event", "user", "status", "decided_at")
    list_filter = ("status",)
    search_fields = ("title", "user__username", "event__title")
    autocomplete_fields = ("event", "user", "talk")


@admin.register(Mail)
class MailAdmin(admin.ModelAdmin):
    list_display = ("kind", "user", "event", "created_at", "sent_at", "attempts", "last_error")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__email", "event__title")
    readonly_fields = ("user", "event", "kind", "proposal", "created_at", "sent_at",
                       "attempts", "last_error")
