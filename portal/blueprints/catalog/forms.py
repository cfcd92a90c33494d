"""The catalogue filter form: a plain GET form, the same with and without JavaScript."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SearchField, SelectField

from portal.forms import choices
from portal.services.catalog import Filters


class CatalogueFilterForm(FlaskForm):
    """Filters of /thu-tuc. Field names are the Vietnamese URL parameters."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    q = SearchField(_l("Từ khóa"), name="tu-khoa")
    field = SelectField(_l("Lĩnh vực"), name="linh-vuc", validate_choice=False)
    agency = SelectField(_l("Cơ quan thực hiện"), name="co-quan", validate_choice=False)
    level = SelectField(_l("Mức độ dịch vụ công trực tuyến"), name="muc-do",
                        validate_choice=False)
    applicant = SelectField(_l("Đối tượng thực hiện"), name="doi-tuong", validate_choice=False,
                            choices=choices([("", _l("Tất cả")),
                                             ("ca-nhan", _l("Công dân, cá nhân")),
                                             ("to-chuc", _l("Tổ chức, doanh nghiệp"))]))
    sort = SelectField(_l("Sắp xếp"), name="sap-xep", validate_choice=False,
                       choices=choices([("", _l("Mặc định")), ("ten", _l("Tên (A–Z)")),
                                        ("pho-bien", _l("Được dùng nhiều nhất")),
                                        ("moi-cap-nhat", _l("Mới cập nhật")),
                                        ("ma", _l("Mã thủ tục"))]))
    page = IntegerField(name="trang", default=1)

    def set_choices(self, options: dict) -> None:
        """Fill the select lists from what the catalogue holds."""
        self.field.choices = choices([("", _l("Tất cả lĩnh vực"))] + [
            (f.slug, f.name) for f in options["fields"]])
        self.agency.choices = choices([("", _l("Tất cả cơ quan"))] + [
            (a.code, a.name) for a in options["agencies"]])
        self.level.choices = choices([("", _l("Tất cả")), ("toan-trinh", _l("Toàn trình")),
                                      ("mot-phan", _l("Một phần"))] + [
            (f"muc-{n}", _l("Mức độ %(n)d", n=n)) for n in options["tt32_levels"]])

    def filters(self) -> Filters:
        """The form's values as :class:`Filters` (bad values are ignored, never an error)."""
        page = self.page.data if isinstance(self.page.data, int) and self.page.data > 0 else 1
        return Filters(
            q=(self.q.data or "").strip()[:200], field=self.field.data or "",
            agency=self.agency.data or "", level=self.level.data or "",
            applicant=self.applicant.data or "", sort=self.sort.data or "", page=page,
        )
