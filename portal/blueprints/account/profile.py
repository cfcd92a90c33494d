"""The citizen's profile (/tai-khoan/ho-so), with the province → commune pick-lists.

With JavaScript, choosing a province loads its communes in place (htmx). Without it, the
"Chọn tỉnh" button sends the form back with the communes of the chosen province listed; what
was typed is kept either way.
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth import client_address, restored_form
from portal.blueprints.account.forms import ProfileForm
from portal.blueprints.account.views import bp
from portal.extensions import db
from portal.htmx import render
from portal.models import Profile
from portal.services import profiles
from portal.services.identity import email_key, normalize_email, normalize_phone

ADDRESSES = ("permanent", "current")


@bp.route("/ho-so", methods=["GET", "POST"])
@login_required
def profile():
    """Show and save the profile used to fill in forms."""
    user = current_user._get_current_object()
    formdata = request.form if request.method == "POST" else restored_form()
    form = ProfileForm(formdata=formdata, obj=_form_values(user.profile))
    _set_choices(form)
    form.known_emails = frozenset(filter(None, (
        user.email, user.profile.contact_email if user.profile else None)))
    if request.method == "POST" and request.form.get("action") == "chon-tinh":
        return render("account/profile.html", form=form)  # no-JS step: communes listed
    if formdata is request.form and form.validate_on_submit():
        try:
            profiles.update_profile(db.session, user, _values(form), client_address())
        except profiles.ProfileError:
            form.id_number.errors.append(_(
                "Số định danh này đã gắn với một tài khoản khác. Nếu đây là số của bạn, "
                "hãy liên hệ bộ phận một cửa."))
        else:
            db.session.commit()
            flash(_("Đã lưu hồ sơ cá nhân."), "success")
            return redirect(url_for("account.profile"), code=303)
    status = 422 if form.errors else 200
    return render("account/profile.html", form=form, status=status)


@bp.get("/ho-so/xa")
@login_required
def communes():
    """The commune pick-list of the chosen province (an htmx fragment of the profile page)."""
    which = request.args.get("dia-chi")
    if which not in ADDRESSES:
        which = "permanent"
    form = ProfileForm(formdata=request.args)
    _set_choices(form)
    return render("account/profile.html", fragment=f"{which}_commune", form=form)


def _set_choices(form: ProfileForm) -> None:
    form.set_choices(profiles.genders(db.session), profiles.provinces(db.session),
                     lambda province_id: profiles.communes(db.session, province_id))


def _form_values(profile: Profile | None):
    """The stored profile as the form's starting values."""
    if profile is None:
        return None

    class Values:
        pass

    values = Values()
    for name in ("full_name", "birth_date", "gender", "id_number", "contact_phone",
                 "contact_email", "permanent_street", "current_street"):
        setattr(values, name, getattr(profile, name))
    for which in ADDRESSES:
        unit = getattr(profile, f"{which}_unit")
        setattr(values, f"{which}_province", str(unit.parent_id) if unit else "")
        setattr(values, f"{which}_commune", str(unit.id) if unit else "")
    values.current_same = profile.current_unit_id == profile.permanent_unit_id and (
        profile.current_street == profile.permanent_street)
    return values


def _values(form: ProfileForm) -> dict:
    """The validated form as profile columns."""
    units = {which: profiles.commune_in(
        db.session, _int(getattr(form, f"{which}_commune").data),
        _int(getattr(form, f"{which}_province").data)) for which in ADDRESSES}
    same = form.current_same.data
    current = units["permanent"] if same else units["current"]
    return {
        "full_name": form.full_name.data.strip(),
        "birth_date": form.birth_date.data,
        "gender": form.gender.data or None,
        "id_number": (form.id_number.data or "").strip() or None,
        "contact_phone": normalize_phone(form.contact_phone.data),
        "contact_email": (normalize_email(form.contact_email.data)
                          or email_key(form.contact_email.data)),
        "permanent_street": form.permanent_street.data or None,
        "permanent_unit_id": units["permanent"].id if units["permanent"] else None,
        "current_street": form.permanent_street.data if same else form.current_street.data,
        "current_unit_id": current.id if current else None,
    }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
