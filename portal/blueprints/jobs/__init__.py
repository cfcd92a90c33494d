"""Background jobs (/cong-viec): the status of a long job, polled by the page that started it."""
from portal.blueprints.jobs.views import bp

__all__ = ["bp"]
