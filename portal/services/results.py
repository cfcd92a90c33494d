"""Electronic results (ND45-14.3): coded ``<dossier code>-KQ<n>``, stored with their SHA-256
and signed by the portal, so that integrity and origin can be checked every time one is
handed out.

The signature is an HMAC-SHA256 of ``"<code>:<sha256>"`` with a key derived from the
portal's secret key: a stand-in for the competent agency's digital signature (ND45-14.3b)
until a PKI signing service is connected; it proves the file is the one the portal issued.
"""
from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app
from sqlalchemy.orm import Session

from portal.models import Dossier, DossierResult, User
from portal.services import files, slips, uploads, workdays

RESULT_TYPES = uploads.FileRule(kinds=("pdf",), max_bytes=20 * uploads.MB)


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"portal e-result signing key", hashlib.sha256).digest()


def sign(code: str, sha256: str) -> str:
    """The portal's signature over a result's code and content digest."""
    return hmac.new(_key(), f"{code}:{sha256}".encode(), hashlib.sha256).hexdigest()


def issue(session: Session, dossier: Dossier, staff: User, storage=None) -> DossierResult:
    """A new e-result for ``dossier``: the uploaded PDF (signed elsewhere, e.g. by the
    agency's signing tool), or one generated from the approved proposal."""
    number = len(dossier.results) + 1
    code = f"{dossier.code}-KQ{number}"
    if storage is not None and storage.filename:
        stored = uploads.accept(storage, RESULT_TYPES)
        digest, name, size = stored.sha256, stored.filename, stored.size
    else:
        body = slips.result_pdf(facts(dossier, code, staff), workdays.calendar().zone)
        digest, name, size = files.store().put(body), f"{code}.pdf", len(body)
    result = DossierResult(dossier=dossier, number=number, code=code, sha256=digest,
                           title=short_title(dossier.procedure),
                           filename=name, media_type="application/pdf", size=size,
                           signature=sign(code, digest), created_by_id=staff.id)
    session.add(result)
    session.flush()
    return result


def short_title(procedure) -> str:
    """What the result is called: the procedure's result without its remarks ("Giấy chứng
    nhận kết hôn (mỗi bên 01 bản chính)" → "Giấy chứng nhận kết hôn")."""
    text = procedure.result_text or procedure.name
    return re.split(r"[(;]", text, maxsplit=1)[0].strip(" ,.") or text


def facts(dossier: Dossier, code: str, staff: User) -> slips.ResultFacts:
    """What a generated result states."""
    from portal.services import receipts

    return slips.ResultFacts(
        header=receipts.header(dossier, issuing=dossier.agency), code=code,
        dossier_code=dossier.code, procedure=dossier.procedure.name,
        applicant_name=dossier.applicant_name, applicant_address=dossier.applicant_address,
        content=dossier.proposal or "", signer=staff.display_name,
        day=workdays.calendar().today())


def verify(result: DossierResult) -> bool:
    """True when the stored file is the one issued: same digest, valid signature."""
    path = files.store().path(result.sha256)
    if not path.is_file():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            digest.update(chunk)
    return (digest.hexdigest() == result.sha256
            and hmac.compare_digest(result.signature, sign(result.code, result.sha256)))
