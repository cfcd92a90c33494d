"""Register, verify, log in and out, passwords, delete the account (/tai-khoan)."""
from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth import client_address, log_in, log_out, login_expired_notice
from portal.blueprints.account.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    PhoneCodeForm,
    RegisterForm,
    ResetPasswordForm,
)
from portal.blueprints.site.views import safe_next
from portal.extensions import config_limit, db
from portal.htmx import render
from portal.services import accounts, audit, jobs, tokens

bp = Blueprint("account", __name__, url_prefix="/tai-khoan")


def _commit_and_send() -> None:
    db.session.commit()
    jobs.kick()  # queued mail goes out in the background


@bp.get("/")
@login_required
def index():
    """The account: profile, password, sessions, deletion."""
    return render_template("account/index.html")


@bp.route("/dang-ky", methods=["GET", "POST"])
@config_limit("RATELIMIT_REGISTER")
def register():
    """Create a citizen account with an e-mail address or a mobile number."""
    form = RegisterForm()
    if not form.validate_on_submit():
        return render("account/register.html", form=form, status=422 if form.errors else 200)
    email, phone = form.normalized()
    accounts.register(db.session, email=email, phone=phone, password=form.password.data,
                      display_name=form.display_name.data.strip(), address=client_address())
    _commit_and_send()
    # The same page, status and cookies whether or not the address or number was already
    # registered (no enumeration): a new phone account logs in to enter its SMS code.
    return render_template("account/check_inbox.html", email=email, phone=phone)


@bp.get("/xac-thuc/<token>")
def verify_email(token: str):
    """Confirm an e-mail address from the link we sent."""
    try:
        accounts.verify_email(db.session, token)
    except tokens.InvalidToken:
        return render_template("account/link_invalid.html"), 400
    db.session.commit()
    flash(_("Đã xác nhận địa chỉ thư điện tử. Bạn có thể đăng nhập."), "success")
    return redirect(url_for("account.login"), code=303)


@bp.route("/xac-thuc-so-dien-thoai", methods=["GET", "POST"])
@login_required
@config_limit("RATELIMIT_LOGIN")
def verify_phone():
    """Enter the code sent by SMS; or ask for a new one."""
    form = PhoneCodeForm()
    if request.method == "POST" and request.form.get("action") == "gui-lai":
        accounts.send_verification(db.session, current_user)
        _commit_and_send()
        flash(_("Đã gửi mã mới."), "info")
        return redirect(url_for("account.verify_phone"), code=303)
    if form.validate_on_submit():
        if accounts.verify_phone(db.session, current_user, form.code.data):
            db.session.commit()
            flash(_("Đã xác nhận số điện thoại."), "success")
            return redirect(url_for("account.index"), code=303)
        db.session.commit()  # the attempt counts
        form.code.errors.append(_("Mã không đúng hoặc đã hết hạn. Kiểm tra lại, hoặc gửi mã mới."))
    return render("account/verify_phone.html", form=form, status=422 if form.errors else 200)


@bp.route("/dang-nhap", methods=["GET", "POST"])
@config_limit("RATELIMIT_LOGIN")
def login():
    """Log in with e-mail, phone or ID number; then go back where the person was going."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")), code=303)
    form = LoginForm()
    if request.method == "GET":
        login_expired_notice()
    if form.validate_on_submit():
        result = accounts.authenticate(db.session, form.identifier.data,
                                       form.password.data, client_address())
        db.session.commit()
        if result.user is not None:
            log_in(result.user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")), code=303)
        if result.wait_seconds:
            form.password.errors.append(_(
                "Đăng nhập sai nhiều lần. Vui lòng đợi %(n)d giây rồi thử lại.",
                n=result.wait_seconds))
        else:
            form.password.errors.append(_(
                "Thông tin đăng nhập hoặc mật khẩu không đúng."))
    return render("account/login.html", form=form, status=422 if form.errors else 200)


@bp.post("/dang-xuat")
def logout():
    """Log out of this browser."""
    if current_user.is_authenticated:
        audit.record(db.session, audit.LOGOUT, actor=current_user, address=client_address())
        db.session.commit()
    log_out()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("home.index"), code=303)


@bp.post("/dang-xuat-tat-ca")
@login_required
def logout_everywhere():
    """End every session of this account, on every device."""
    accounts.end_all_sessions(db.session, current_user, client_address())
    db.session.commit()
    log_out()
    flash(_("Đã đăng xuất khỏi mọi thiết bị."), "info")
    return redirect(url_for("account.login"), code=303)


@bp.post("/gia-han")
@login_required
def keep_alive():
    """Keep a login alive (the idle-timeout warning's "stay logged in" button)."""
    return "", 204


@bp.route("/quen-mat-khau", methods=["GET", "POST"])
@config_limit("RATELIMIT_RESET")
def forgot_password():
    """Ask for a reset link; the answer is the same whether the account exists or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(db.session, form.identifier.data, client_address())
        _commit_and_send()
        return render_template("account/forgot_sent.html")
    return render("account/forgot.html", form=form, status=422 if form.errors else 200)


@bp.route("/dat-lai-mat-khau/<token>", methods=["GET", "POST"])
@config_limit("RATELIMIT_RESET")
def reset_password(token: str):
    """Choose a new password from an e-mailed link (single use, expiring)."""
    try:
        user = accounts.check_reset_token(db.session, token)
    except tokens.InvalidToken:
        return render_template("account/link_invalid.html"), 400
    form = ResetPasswordForm()
    form.personal_inputs = lambda: _personal_inputs(user)
    if form.validate_on_submit():
        accounts.reset_password(db.session, token, form.password.data, client_address())
        db.session.commit()
        log_out()
        flash(_("Đã đặt mật khẩu mới. Hãy đăng nhập bằng mật khẩu mới."), "success")
        return redirect(url_for("account.login"), code=303)
    return render("account/reset.html", form=form, status=422 if form.errors else 200)


def _personal_inputs(user) -> list[str]:
    """Words a new password must not be built from (checked by zxcvbn)."""
    return [user.display_name, user.email or "", user.phone or ""]


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; other sessions end, this one continues."""
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    form.personal_inputs = lambda: _personal_inputs(user)
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, user, form.current_password.data,
                                     form.password.data, client_address())
        except accounts.AccountError:
            form.current_password.errors.append(_("Mật khẩu hiện tại không đúng."))
        else:
            db.session.commit()
            log_in(user)  # this session carries the new session version
            flash(_("Đã đổi mật khẩu. Các thiết bị khác đã được đăng xuất."), "success")
            return redirect(url_for("account.index"), code=303)
    return render("account/change_password.html", form=form, status=422 if form.errors else 200)


@bp.route("/xoa-tai-khoan", methods=["GET", "POST"])
@login_required
def delete():
    """Delete the account (submitted dossiers stay with the authority, as the law requires)."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            accounts.delete_account(db.session, current_user._get_current_object(),
                                    form.current_password.data, client_address())
        except accounts.AccountError:
            form.current_password.errors.append(_("Mật khẩu không đúng."))
        else:
            db.session.commit()
            log_out()
            flash(_("Tài khoản đã được xóa."), "info")
            return redirect(url_for("home.index"), code=303)
    return render("account/delete.html", form=form, status=422 if form.errors else 200)
