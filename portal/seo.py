"""What search engines read: JSON-LD (schema.org), canonical URLs, the sitemap (TT32-11.2b-2)."""
from __future__ import annotations

from flask import g, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import Channel, FeeKind, FormSpec, Procedure
from portal.services import site_settings

CHANNEL_NAMES = {
    Channel.IN_PERSON: _l("Trực tiếp"),
    Channel.ONLINE: _l("Trực tuyến"),
    Channel.POSTAL: _l("Qua dịch vụ bưu chính công ích"),
}
FEE_KIND_NAMES = {FeeKind.FEE: _l("Phí"), FeeKind.CHARGE: _l("Lệ phí")}


def channel_name(channel: Channel) -> str:
    """The channel's name as the national catalogue writes it."""
    return str(CHANNEL_NAMES[channel])


def fee_kind_name(kind: FeeKind) -> str:
    """"Phí" or "Lệ phí"."""
    return str(FEE_KIND_NAMES[kind])


def canonical_url(lang: str | None = None) -> str:
    """This page's address without query string (filters and tracking do not make pages).

    The English version of a page is ``?lang=en``; ``lang`` picks a version, by default the
    one asked for in the URL.
    """
    if request.endpoint is None or request.routing_exception is not None:
        return request.base_url
    lang = lang or request.args.get("lang")
    args = dict(request.view_args or {})
    if lang == "en" and "lang" not in args:
        args["lang"] = "en"
    return url_for(request.endpoint, **args, _external=True)


def online_start_url(procedure: Procedure) -> str | None:
    """Where to start the online application, when the service and this portal allow it."""
    if Channel.ONLINE not in procedure.channel_codes or procedure.online_level is None:
        return None
    if not has_eform(procedure):
        return None  # no interactive form yet: the page says how to apply otherwise
    return url_for("applications.start", code=procedure.code)


def has_eform(procedure: Procedure) -> bool:
    """Whether the procedure's form exists as an e-form (then also as .docx and .pdf);
    asked once per request."""
    known = g.setdefault("eform_procedures", {})
    if procedure.id not in known:
        known[procedure.id] = db.session.scalar(
            select(FormSpec.id).where(FormSpec.procedure_id == procedure.id)) is not None
    return known[procedure.id]


def procedure_json_ld(procedure: Procedure) -> dict:
    """A schema.org ``GovernmentService`` describing the procedure."""
    url = url_for("catalog.detail", code=procedure.code, _external=True)
    data = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": procedure.name,
        "identifier": procedure.code,
        "url": url,
        "serviceType": procedure.field.name,
        "audience": {"@type": "Audience", "audienceType": procedure.subjects_text or ""},
        "provider": {
            "@type": "GovernmentOrganization",
            "name": procedure.agency.name if procedure.agency else
            site_settings.value("AUTHORITY_NAME"),
        },
        "availableChannel": [
            {"@type": "ServiceChannel", "name": channel_name(row.channel), "serviceUrl": url}
            for row in procedure.channels
        ],
    }
    if procedure.result_text:
        data["serviceOutput"] = procedure.result_text
    return data


def faq_json_ld(groups) -> dict:
    """A schema.org ``FAQPage`` of every question shown."""
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {"@type": "Question", "name": faq.question,
             "acceptedAnswer": {"@type": "Answer", "text": faq.answer_html}}
            for group in groups for faq in group.entries
        ],
    }
