"""WSGI entry point: ``gunicorn -c gunicorn.conf.py wsgi:app`` (production checks included)."""
from portal import create_app, refuse_unsafe_production

app = create_app()
refuse_unsafe_production(app)
