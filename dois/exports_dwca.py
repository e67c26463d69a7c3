"""A Darwin Core Archive of the public catalogue, for GBIF and OBIS.

``occurrence.txt`` (the core, ``dwc:Occurrence``): one row per individual seen on a
sighting, from the reference photos the public may see (confirmed, and their uploader
let them be public), with coordinates rounded to the public grid
(``DOIS_PUBLIC_ROUNDING_KM``) and said so (``dataGeneralizations``,
``informationWithheld``, an uncertainty that covers the grid cell).
``multimedia.txt`` (GBIF's Simple Multimedia extension): each such photo's EXIF-free
public rendering, with its licence. ``meta.xml`` describes both files (the DwC text
guide's schema) and ``eml.xml`` the dataset (GBIF's EML profile): title, publisher,
licence.

The licence and rights holder come from ``DOIS_DATA_LICENSE`` and
``DOIS_RIGHTS_HOLDER`` when set (defaults: CC BY 4.0, the site's name). No person's name
is exported: not the volunteers', not the researchers'.
"""

from __future__ import annotations

import io
import math
import zipfile
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from dois.selectors.catalogue import gallery_photos
from dois.selectors.locations import location_round

SPECIES = "Sousa chinensis (Osbeck, 1765)"
VERNACULAR = "Indo-Pacific humpback dolphin"
DEFAULT_LICENSE = "http://creativecommons.org/licenses/by/4.0/legalcode"
DWC = "http://rs.tdwg.org/dwc/terms/"
DC = "http://purl.org/dc/terms/"
OCCURRENCE_ROW = DWC + "Occurrence"
MULTIMEDIA_ROW = "http://rs.gbif.org/terms/1.0/Multimedia"

OCCURRENCE_TERMS = [
    DWC + "occurrenceID", DWC + "basisOfRecord", DWC + "occurrenceStatus",
    DWC + "eventID", DWC + "eventDate", DWC + "scientificName", DWC + "kingdom",
    DWC + "taxonRank", DWC + "vernacularName", DWC + "organismID", DWC + "organismName",
    DWC + "individualCount", DWC + "decimalLatitude", DWC + "decimalLongitude",
    DWC + "geodeticDatum", DWC + "coordinateUncertaintyInMeters", DWC + "locality",
    DWC + "dataGeneralizations", DWC + "informationWithheld", DWC + "institutionCode",
    DWC + "datasetName", DC + "license", DC + "rightsHolder", DC + "references",
]
MULTIMEDIA_TERMS = [
    DC + "type", DC + "format", DC + "identifier", DC + "references", DC + "title",
    DC + "created", DC + "license", DC + "rightsHolder",
]


def _clean(value) -> str:
    """A field of a tab-separated file: no tab, no line break."""
    return " ".join(str(value if value is not None else "").split())


def _rows(header: list[str], rows: list[list]) -> str:
    lines = ["\t".join(term.rsplit("/", 1)[1] for term in header)]
    lines += ["\t".join(_clean(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def license_url() -> str:
    return settings.DOIS_DATA_LICENSE or DEFAULT_LICENSE


def rights_holder() -> str:
    return str(settings.DOIS_RIGHTS_HOLDER or settings.SITE_NAME)


def uncertainty_m(km: float) -> int:
    """Metres from a rounded point to its grid cell's corner (the cell is ``km`` wide)."""
    return math.ceil(km * 1000 * math.sqrt(2) / 2)


def dwca_tables(*, start: date | None = None, end: date | None = None
                ) -> tuple[list[list], list[list]]:
    """The occurrence rows and the multimedia rows (in the order of the terms)."""
    km = settings.DOIS_PUBLIC_ROUNDING_KM
    site, institution, holder, licence = (settings.SITE_URL, "DoIs", rights_holder(),
                                          license_url())
    generalised = (f"Coordinates rounded to the centre of a grid cell of about {km:g} km "
                   f"to protect a threatened species.")
    withheld = "Exact coordinates withheld (threatened species)."
    occurrences: dict[tuple[int, int], list] = {}
    media = []
    photos = (gallery_photos().filter(is_public=True)
              .order_by("sighting__observed_at", "individual__prefix", "individual__number",
                        "pk"))
    with translation.override("en"):
        for photo in photos:
            sighting, individual = photo.sighting, photo.individual
            day = timezone.localdate(sighting.observed_at)
            if (start is not None and day < start) or (end is not None and day > end):
                continue
            page = site + reverse("dois:individual", kwargs={"code": individual.code})
            key = (individual.pk, sighting.pk)
            occurrence_id = f"{page}#sighting-{sighting.pk}"
            if key not in occurrences:
                lat, lon = location_round(latitude=sighting.latitude,
                                          longitude=sighting.longitude)
                occurrences[key] = [
                    occurrence_id, "HumanObservation", "present",
                    f"{institution}:sighting:{sighting.pk}",
                    timezone.localtime(sighting.observed_at).isoformat(timespec="minutes"),
                    SPECIES, "Animalia", "species", VERNACULAR, individual.code,
                    individual.nickname, 1, f"{lat:.3f}", f"{lon:.3f}", "EPSG:4326",
                    uncertainty_m(km), sighting.area, generalised, withheld, institution,
                    str(settings.SITE_NAME), licence, holder, page,
                ]
            image = site + reverse("dois:photo_image", kwargs={"pk": photo.pk, "kind": "crop"})
            media.append([
                occurrence_id, "StillImage", "image/jpeg", image, page,
                f"Dorsal fin of {individual.code}, {day.isoformat()}", day.isoformat(),
                licence, holder,
            ])
    return list(occurrences.values()), media


def meta_xml() -> str:
    """The archive descriptor (DwC text guide): tab-separated UTF-8 files, one header
    line; the core's id is its column 0 (occurrenceID), the extension's coreid its
    column 0 and its terms from column 1."""

    def fields(terms: list[str], first: int) -> str:
        return "\n".join(f'    <field index="{i}" term={quoteattr(t)}/>'
                         for i, t in enumerate(terms, start=first))

    common = ('encoding="UTF-8" fieldsTerminatedBy="\\t" linesTerminatedBy="\\n" '
              'fieldsEnclosedBy="" ignoreHeaderLines="1"')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<archive xmlns="http://rs.tdwg.org/dwc/text/" metadata="eml.xml">\n'
        f'  <core {common} rowType="{OCCURRENCE_ROW}">\n'
        '    <files><location>occurrence.txt</location></files>\n'
        '    <id index="0"/>\n'
        f'{fields(OCCURRENCE_TERMS, 0)}\n'
        '  </core>\n'
        f'  <extension {common} rowType="{MULTIMEDIA_ROW}">\n'
        '    <files><location>multimedia.txt</location></files>\n'
        '    <coreid index="0"/>\n'
        f'{fields(MULTIMEDIA_TERMS, 1)}\n'
        '  </extension>\n'
        '</archive>\n')


def eml_xml(*, occurrences: int, start: date | None, end: date | None) -> str:
    """Dataset metadata in GBIF's EML profile: title, creator and contact (the site, no
    person), abstract, licence and the time span."""
    name = escape(str(settings.SITE_NAME))
    span = ""
    if start or end:
        span = (f"<coverage><temporalCoverage><rangeOfDates>"
                f"<beginDate><calendarDate>{(start or date(1900, 1, 1)).isoformat()}"
                f"</calendarDate></beginDate><endDate><calendarDate>"
                f"{(end or timezone.localdate()).isoformat()}</calendarDate></endDate>"
                f"</rangeOfDates></temporalCoverage></coverage>")
    party = (f"<organizationName>{name}</organizationName>"
             f"<onlineUrl>{escape(settings.SITE_URL)}</onlineUrl>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<eml:eml xmlns:eml="https://eml.ecoinformatics.org/eml-2.1.1" '
        'xmlns:dc="http://purl.org/dc/terms/" '
        f'packageId="{escape(settings.SITE_URL)}/dois/dwca" system="http://gbif.org" '
        'scope="system" xml:lang="en">\n'
        f'<dataset><title xml:lang="en">{name}: photo-identified {escape(VERNACULAR)}s '
        f'(DoIs)</title>\n'
        f'<creator>{party}</creator><metadataProvider>{party}</metadataProvider>\n'
        f'<pubDate>{timezone.localdate().isoformat()}</pubDate><language>en</language>\n'
        f'<abstract><para>{occurrences} occurrences of individually identified '
        f'{escape(SPECIES)} from dorsal-fin photographs confirmed by researchers. '
        f'Coordinates are generalised to a grid of about '
        f'{settings.DOIS_PUBLIC_ROUNDING_KM:g} km.</para></abstract>\n'
        f'<intellectualRights><para>This work is licensed under <ulink url='
        f'{quoteattr(license_url())}><citetitle>{escape(license_url())}</citetitle>'
        f'</ulink>; rights holder: {escape(rights_holder())}.</para></intellectualRights>\n'
        f'{span}<contact>{party}</contact>\n'
        '</dataset>\n</eml:eml>\n')


def dwca_zip(*, start: date | None = None, end: date | None = None) -> bytes:
    """The archive: ``meta.xml``, ``eml.xml``, ``occurrence.txt``, ``multimedia.txt``."""
    occurrences, media = dwca_tables(start=start, end=end)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("meta.xml", meta_xml())
        zf.writestr("eml.xml", eml_xml(occurrences=len(occurrences), start=start, end=end))
        zf.writestr("occurrence.txt", _rows(OCCURRENCE_TERMS, occurrences))
        zf.writestr("multimedia.txt", _multimedia(media))
    return buffer.getvalue()


def _multimedia(media: list[list]) -> str:
    header = ["coreid"] + [term.rsplit("/", 1)[1] for term in MULTIMEDIA_TERMS]
    lines = ["\t".join(header)] + ["\t".join(_clean(v) for v in row) for row in media]
    return "\n".join(lines) + "\n"
