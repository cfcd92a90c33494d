"""The app factory and its configuration layers (defaults, instance file, env, test config)."""
from __future__ import annotations

import os
import stat

import pytest

from portal import create_app


def _config(tmp_path, **extra):
    return {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://", **extra}


def test_testing_flag_comes_from_test_config(tmp_path):
    assert not create_app(_config(tmp_path)).testing
    assert create_app(_config(tmp_path, TESTING=True)).testing


def test_defaults_come_from_portal_config(tmp_path):
    app = create_app(_config(tmp_path))
    assert app.config["LANGUAGES"] == ("vi", "en")
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Ho_Chi_Minh"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_instance_config_overrides_defaults(tmp_path):
    (tmp_path / "config.py").write_text('AUTHORITY_NAME = "UBND xã Thử Nghiệm"\n', "utf-8")
    app = create_app(_config(tmp_path))
    assert app.config["AUTHORITY_NAME"] == "UBND xã Thử Nghiệm"


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('AUTHORITY_NAME = "Từ tệp"\n', "utf-8")
    monkeypatch.setenv("PORTAL_AUTHORITY_NAME", "Từ biến môi trường")
    monkeypatch.setenv("PORTAL_DEMO_MODE", "true")
    app = create_app(_config(tmp_path))
    assert app.config["AUTHORITY_NAME"] == "Từ biến môi trường"
    assert app.config["DEMO_MODE"] is True  # JSON-looking values are parsed


def test_test_config_overrides_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_AUTHORITY_NAME", "Từ biến môi trường")
    app = create_app(_config(tmp_path, AUTHORITY_NAME="Từ cấu hình thử"))
    assert app.config["AUTHORITY_NAME"] == "Từ cấu hình thử"


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", "sqlite:///from-env.sqlite3")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_ENGINES"]["default"]["url"] == "sqlite:///from-env.sqlite3"


def test_missing_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = create_app(_config(tmp_path))
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 48
    second = create_app(_config(tmp_path))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_explicit_secret_key_is_used_and_no_file_written(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 40)
    app = create_app(_config(tmp_path))
    assert app.config["SECRET_KEY"] == "x" * 40
    assert not (tmp_path / "secret_key").exists()


def test_short_secret_key_is_refused_in_production(tmp_path):
    with pytest.raises(RuntimeError, match="too short"):
        create_app(_config(tmp_path, SECRET_KEY="dev"))
    assert create_app(_config(tmp_path, SECRET_KEY="dev", TESTING=True)).testing


def test_empty_secret_key_file_is_an_error_not_a_silent_default(tmp_path):
    (tmp_path / "secret_key").write_text("", "ascii")
    with pytest.raises(RuntimeError, match="empty"):
        create_app(_config(tmp_path))


def test_sqlite_database_defaults_to_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    from portal.extensions import db

    with app.app_context():
        assert db.engine.url.database == str(tmp_path / "portal.sqlite3")


def test_wsgi_module_exposes_an_app(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PORTAL_BASE_URL", "https://dichvucong.example.gov.vn")
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.name == "portal"
