"""Local web app and REST API (``llmplace serve``): a thin layer over the public API.

``create_app(db_url, token=None)`` builds the FastAPI application: the page at ``/``, the REST API
under ``/api/v1`` (OpenAPI document at ``/api/v1/openapi.json``) and saved scenarios in a SQL
database (:mod:`llmplace.web.storage`).
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
