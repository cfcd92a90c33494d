"""A background job's state and progress (TT32-11.x-PROG; style.md convention 15).

Pages that start a long job include ``components/_job_status.html``; it polls
:func:`status` every second while the job is unfinished. Without JavaScript the full page
refreshes itself instead.
"""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from portal.extensions import db
from portal.htmx import render
from portal.services import jobs

bp = Blueprint("jobs", __name__, url_prefix="/cong-viec")


@bp.get("/<int:job_id>")
@login_required
def status(job_id: int):
    """The job's status page; htmx gets just the status fragment.

    :raise 404: no such job, or it is neither the user's own nor are they an administrator.
    """
    job = jobs.job_for(db.session, job_id, current_user) or abort(404)
    return render("jobs/status.html", fragment="job_status", job=job)
