"""Rendered pages are valid HTML (the Nu Html Checker, vnu.jar from npm, run with Java)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / \
    "vnu.jar"
PAGES = ["/", "/khong-co-trang-nay", "/thu-tuc/", "/thu-tuc/?linh-vuc=ho-tich&trang=1",
         "/thu-tuc/1.001193", "/thu-tuc/2.000815", "/tim-kiem/", "/tim-kiem/?q=khai+sinh",
         "/tim-kiem/?q=zzzz", "/huong-dan/", "/huong-dan/dang-ky-khai-sinh", "/hoi-dap/",
         "/hoi-dap/?q=ket+hon", "/hoi-dap/khai-sinh-qua-han", "/gioi-thieu", "/lien-he",
         "/gioi-thieu?lang=en"]


def validate(documents: dict[str, str], workdir: Path) -> dict[str, list[str]]:
    """Errors the Nu Html Checker reports, per document name (one Java run for all)."""
    java = shutil.which("java")
    if not java or not VNU.exists():
        reason = "Java or node_modules/vnu-jar missing: install a JRE and run npm ci"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    files = {}
    for index, (name, html) in enumerate(documents.items()):
        path = workdir / f"page{index}.html"
        path.write_text(html, "utf-8")
        files[path.name] = name
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json",
         *(str(workdir / filename) for filename in files)],
        capture_output=True, check=False,
    )
    errors: dict[str, list[str]] = {}
    for message in json.loads(result.stderr or b'{"messages": []}')["messages"]:
        if message.get("type") == "error":
            url = message.get("url", "")
            name = files.get(url.rsplit("/", 1)[-1], url)
            errors.setdefault(name, []).append(f"{message.get('lastLine')}: {message['message']}")
    return errors


def test_public_pages_are_valid_html(client, demo, tmp_path):
    documents = {path: client.get(path).get_data(as_text=True) for path in PAGES}
    assert validate(documents, tmp_path) == {}


def test_dossier_pages_are_valid_html(app, client, demo, tmp_path):
    """Papers, check and submit, receipt, my dossiers, a dossier, withdrawal, tracking."""
    import re

    from tests.conftest import login
    from tests.dossier_support import BIRTH, CITIZEN, complete, component_ids, start_draft, \
        submit, upload

    login(client, CITIZEN)
    token = start_draft(client, BIRTH)
    complete(app, token)
    upload(client, token, component_ids(app, BIRTH)[1])
    pages = {"papers": f"/nop-ho-so/nhap/{token}/giay-to",
             "review": f"/nop-ho-so/nhap/{token}/xem-lai"}
    documents = {name: client.get(path).get_data(as_text=True) for name, path in pages.items()}
    location = submit(client, token).headers["Location"]
    code = re.search(r"/ho-so/([^/]+)/", location).group(1)
    for name, path in {"receipt": location, "mine": "/ho-so", "dossier": f"/ho-so/{code}",
                       "withdraw": f"/ho-so/{code}/rut", "version": f"/ho-so/{code}/phien-ban/1",
                       "tracking": "/tra-cuu"}.items():
        documents[name] = client.get(path).get_data(as_text=True)
    documents["tracked"] = client.post("/tra-cuu", data={"ma": code, "xac-minh": "5678"}
                                       ).get_data(as_text=True)
    assert validate(documents, tmp_path) == {}
