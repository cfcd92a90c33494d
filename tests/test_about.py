"""The authority's organisation and contact pages, in Vietnamese and English (ND42-04.1e, -07.2)."""
from __future__ import annotations


def test_organisation_page(client, demo):
    html = client.get("/gioi-thieu").get_data(as_text=True)
    assert "Giới thiệu và cơ cấu tổ chức" in html
    assert "Ủy ban nhân dân xã Minh Họa" in html and "Phòng Kinh tế" in html
    assert "Chủ tịch" in html and "mailto:" in html and "tel:" in html
    assert 'id="co-quan-000.03.99.H49"' in html  # linked from procedure pages


def test_contact_page(client, demo):
    html = client.get("/lien-he").get_data(as_text=True)
    assert "Thứ Hai – Thứ Sáu" in html and "07:00–11:30" in html and "13:30–17:00" in html
    assert "mailto:gopy@minhhoa.example.gov.vn" in html
    assert "Số 1 đường Trung tâm" in html


def test_english_versions(client, demo):
    html = client.get("/gioi-thieu?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Economic Division" in html and "Chairman" in html
    assert '<link rel="canonical" href="http://localhost/gioi-thieu?lang=en">' in html
    contact = client.get("/lien-he?lang=en").get_data(as_text=True)
    assert "Monday – Friday" in contact and "Office hours" in contact


def test_pages_point_to_their_other_language(client, demo):
    html = client.get("/gioi-thieu").get_data(as_text=True)
    assert 'hreflang="en" href="http://localhost/gioi-thieu?lang=en"' in html
    assert 'hreflang="vi" href="http://localhost/gioi-thieu"' in html
