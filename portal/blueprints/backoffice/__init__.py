"""The one-stop back office (/mot-cua): inbox, receiving, processing, approval, results,
slips and registers, reports, feedback and petitions, citizens' questions."""
from portal.blueprints.backoffice import (  # noqa: F401 (register routes)
    actions,
    intake,
    petitions,
    questions,
    reports,
)
from portal.blueprints.backoffice.views import bp

__all__ = ["bp"]
