"""tender: SAS procurement of Wmo social care, from criteria file to framework contract."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints."""
    from tender import cli, db, models, storage, web
    from tender.config import load_settings
    from tender.documents import signing

    instance = instance_path or os.environ.get("TENDER_INSTANCE_PATH") or PROJECT_ROOT / "instance"
    app = Flask(
        __name__,
        instance_path=str(Path(instance).resolve()),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_settings(Path(app.instance_path), overrides))
    signing.load_signer(app.config)  # a wrong certificate or password stops the start
    storage.init_app(app)
    db.init_app(app)
    assert models.OutcomeCache  # every model loaded, with its session events
    web.init_app(app)
    cli.init_app(app)
    return app
