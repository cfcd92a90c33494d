"""The one-stop back office (/mot-cua): inbox, receiving, processing, approval, results,
slips and registers, reports."""
from portal.blueprints.backoffice import actions, intake, reports  # noqa: F401 (register routes)
from portal.blueprints.backoffice.views import bp

__all__ = ["bp"]
