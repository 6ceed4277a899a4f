"""The web app (FastAPI, Japanese pages, offline). ``create_app()`` builds it; ``kouiki serve`` runs it."""

from kouiki.web.app import create_app

__all__ = ["create_app"]
