"""warehouse: stock and distribution tracker for a shared humanitarian warehouse."""
import os

from flask import Flask

from config import CONFIGS, INSTANCE_DIR, ProductionConfig


def create_app(config: str | type | dict | None = None) -> Flask:
    """Build the app. ``config`` is a name from ``config.CONFIGS``, a class, or overrides.

    Without one, ``WAREHOUSE_CONFIG`` names it (default: development).
    """
    app = Flask(__name__, template_folder="../templates", instance_path=str(INSTANCE_DIR))
    overrides = config if isinstance(config, dict) else {}
    if config is None or isinstance(config, dict):
        config = os.environ.get("WAREHOUSE_CONFIG", "development")
    if isinstance(config, str):
        config = CONFIGS[config]
    if config is ProductionConfig:
        ProductionConfig.check()
    app.config.from_object(config)
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)

    from warehouse import web
    web.init_app(app)
    return app
