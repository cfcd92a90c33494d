"""Editors change the authority's settings (/quan-tri/thong-tin): name and contacts, office
hours, logo; each can go back to the configuration's value. The logo is served publicly at
/logo/<sha256>. Reloading the shared catalogues (shown on the organisation page) is a
background job.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.db import release_write_lock
from portal.blueprints.admin import organisation  # noqa: F401 (registers its routes on bp)
from portal.blueprints.admin.access import editor_required
from portal.blueprints.admin.settings_forms import (
    MAX_PERIODS,
    LogoForm,
    OfficeHoursForm,
    SettingsForm,
)
from portal.blueprints.admin.views import bp
from portal.edge import parse_int
from portal.extensions import db
from portal.htmx import render, wants_fragment
from portal.models import Job
from portal.services import files, jobs, settings_editor, site_settings, uploads

#: The logo's address never changes content (it is named by its digest): cache for a year.
LOGO_MAX_AGE = 365 * 24 * 3600


@bp.route("/thong-tin", methods=["GET", "POST"])
@editor_required
def settings():
    """The settings page; a POST saves the name and contact details."""
    form = SettingsForm() if request.method == "POST" else _text_form()
    if form.validate_on_submit():
        changed = settings_editor.update(db.session, form.values(), current_user)
        db.session.commit()
        flash(_("Đã lưu thông tin cơ quan.") if changed else _("Không có gì thay đổi."),
              "success")
        return redirect(url_for("admin.settings"), code=303)
    return _page(text_form=form)


@bp.post("/thong-tin/gio-lam-viec")
@editor_required
def office_hours():
    """Save the office hours; "Thêm khoảng" shows the form again with one more period."""
    if "them-khoang" in request.form:
        form = OfficeHoursForm(formdata=_with_extra_period(request.form))
        return _page(hours_form=form)
    form = OfficeHoursForm()
    if form.validate_on_submit():
        changed = settings_editor.update(
            db.session, {"OFFICE_HOURS": settings_editor.as_setting(form.times())}, current_user)
        db.session.commit()
        flash(_("Đã lưu giờ làm việc.") if changed else _("Không có gì thay đổi."), "success")
        return redirect(url_for("admin.settings", _anchor="gio-lam-viec"), code=303)
    return _page(hours_form=form)


@bp.post("/thong-tin/bieu-trung")
@editor_required
def logo_upload():
    """Use an uploaded PNG or JPEG picture as the logo."""
    form = LogoForm()
    if form.validate_on_submit():
        release_write_lock(db.session)  # the picture is checked with no lock held
        try:
            stored = uploads.accept(form.logo.data, settings_editor.LOGO_RULE)
            settings_editor.set_logo(db.session, stored, current_user)
        except uploads.UploadError as error:
            form.logo.errors = [*form.logo.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Đã thay biểu trưng."), "success")
            return redirect(url_for("admin.settings", _anchor="bieu-trung"), code=303)
    return _page(logo_form=form)


@bp.post("/thong-tin/mac-dinh")
@editor_required
def settings_reset():
    """Go back to the configuration's value of one setting (the logo: the portal's own).

    :raise 400: the form names no editable setting.
    """
    key = request.form.get("key", "")
    if key not in site_settings.EDITABLE:
        abort(400)
    settings_editor.reset(db.session, key, current_user)
    db.session.commit()
    flash(_("“%(label)s” đã trở về giá trị mặc định.", label=site_settings.EDITABLE[key][0]),
          "success")
    return redirect(url_for("admin.settings", _anchor=_ANCHORS.get(key, "")), code=303)


@bp.post("/co-quan/danh-muc")
@editor_required
def reference_reload():
    """Load the shared catalogues again in the background; htmx gets the job's progress."""
    job = settings_editor.request_reload(db.session, current_user,
                                         str(get_locale() or "vi"))
    db.session.commit()
    jobs.kick()
    own = jobs.job_for(db.session, job.id, current_user)
    if own is None:  # another editor's reload is already under way
        message = _("Danh mục đang được cập nhật theo yêu cầu của người khác.")
        if wants_fragment():
            return render("components/_alert.html", kind="info", message=message)
        flash(message, "info")
    elif wants_fragment():
        return render("components/_job_status.html",
                      job=db.session.get(Job, job.id, populate_existing=True))
    return redirect(url_for("admin.agencies", _anchor="danh-muc"), code=303)


def logo(sha256: str):
    """The logo in use, as a picture cached for a year (a new logo has a new address).

    :raise 404: ``sha256`` is not the logo in use, or not a PNG/JPEG picture.
    """
    media_type = settings_editor.logo_media_type(sha256)
    if media_type is None:
        abort(404)
    # At most 1 MB, read at once: the digest is the ETag and no file stays open.
    response = current_app.response_class(files.store().path(sha256).read_bytes(),
                                          mimetype=media_type)
    response.set_etag(sha256)
    response.cache_control.public = True
    response.cache_control.max_age = LOGO_MAX_AGE
    response.cache_control.immutable = True
    # A picture needs nothing else, and must never run anything if opened on its own.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response.make_conditional(request)


def _register_logo(state: BlueprintSetupState) -> None:
    # Outside /quan-tri: every visitor's page header shows it.
    state.app.add_url_rule("/logo/<sha256>", endpoint="logo", view_func=logo)


bp.record_once(_register_logo)


_ANCHORS = {"OFFICE_HOURS": "gio-lam-viec", "LOGO_SHA256": "bieu-trung"}


def _text_form() -> SettingsForm:
    """The name and contacts form filled with the values in force."""
    return SettingsForm(formdata=None, data={
        name: site_settings.value(name.upper()) or "" for name in SettingsForm.setting_names()})


def _hours_form() -> OfficeHoursForm:
    """The office hours form filled with the periods in force."""
    return OfficeHoursForm(formdata=None, data={"periods": [
        {"start": start, "end": end} for start, end in site_settings.value("OFFICE_HOURS")]})


def _with_extra_period(formdata: MultiDict) -> MultiDict:
    """The submitted office hours with one more, empty, period (up to the maximum)."""
    data = MultiDict(formdata)
    indices = {parse_int(key.split("-")[1], maximum=MAX_PERIODS) for key in data
               if key.startswith("periods-")} - {None}
    if len(indices) < MAX_PERIODS:
        new = max(indices, default=-1) + 1
        data[f"periods-{new}-start"] = data[f"periods-{new}-end"] = ""
    return data


def _page(text_form: SettingsForm | None = None, hours_form: OfficeHoursForm | None = None,
          logo_form: LogoForm | None = None):
    """The settings page with the forms given (as submitted) and the others as in force;
    422 when a submitted form has errors."""
    text_form = text_form or _text_form()
    hours_form = hours_form or _hours_form()
    logo_form = logo_form or LogoForm(formdata=None)
    errors = [(f.id, str(f.errors[0])) for f in (*text_form, logo_form.logo)
              if f.errors and f.type != "CSRFTokenField"] + hours_form.error_items()
    return render("admin/settings/index.html", form=text_form, hours_form=hours_form,
                  logo_form=logo_form, states=settings_editor.states(db.session),
                  max_periods=MAX_PERIODS, logo_rule=settings_editor.LOGO_RULE,
                  errors=errors, status=422 if errors else 200)
