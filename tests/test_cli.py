"""The flask commands: catalog import/export, reference load, seed-demo."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.models import Agency, Procedure, Survey
from portal.services import surveys
from tests.conftest import base_config
from tests.test_catalog_io import GOOD


def _procedures(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Procedure))


def test_catalog_import_and_export_round_trip(app, runner, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps([GOOD], ensure_ascii=False), "utf-8")
    result = runner.invoke(args=["catalog", "import", str(source), "--publish"])
    assert result.exit_code == 0, result.output
    assert "created 1, updated 0, failed 0" in result.output
    out = tmp_path / "out.json"
    result = runner.invoke(args=["catalog", "export", "-o", str(out), "--published-only"])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text("utf-8"))
    assert [r["code"] for r in exported] == ["1.001193"]
    assert exported[0]["name"] == GOOD["name"]


def test_catalog_import_reports_bad_records_and_fails(app, runner, tmp_path):
    source = tmp_path / "bad.json"
    source.write_text(json.dumps([GOOD, {"code": "1.000009"}]), "utf-8")
    result = runner.invoke(args=["catalog", "import", str(source)])
    assert result.exit_code == 1
    assert "record 2 (1.000009)" in result.output and "name" in result.output
    assert _procedures(app) == 1


def test_catalog_import_dry_run_and_strict_change_nothing(app, runner, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps([GOOD]), "utf-8")
    assert runner.invoke(args=["catalog", "import", str(source), "--dry-run"]).exit_code == 0
    assert _procedures(app) == 0
    source.write_text(json.dumps([GOOD, {"code": "x"}]), "utf-8")
    result = runner.invoke(args=["catalog", "import", str(source), "--strict"])
    assert result.exit_code == 1 and "nothing imported" in result.output
    assert _procedures(app) == 0


def test_catalog_import_rejects_invalid_json_and_unknown_agency(app, runner, tmp_path):
    source = tmp_path / "broken.json"
    source.write_text("[{", "utf-8")
    result = runner.invoke(args=["catalog", "import", str(source)])
    assert result.exit_code == 1 and "not valid JSON" in result.output
    source.write_text("{}", "utf-8")
    assert "JSON array" in runner.invoke(args=["catalog", "import", str(source)]).output
    source.write_text("[]", "utf-8")
    result = runner.invoke(args=["catalog", "import", str(source), "--agency", "nope"])
    assert result.exit_code == 1 and "no agency" in result.output


def test_catalog_import_assigns_the_agency(app, runner, demo, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps([GOOD | {"code": "1.999999"}]), "utf-8")
    result = runner.invoke(args=["catalog", "import", str(source), "--agency", "000.03.99.H49"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        p = db.session.scalar(select(Procedure).where(Procedure.code == "1.999999"))
        assert p.agency.name == "Phòng Kinh tế"


def test_reference_load(runner):
    result = runner.invoke(args=["reference", "load"])
    assert result.exit_code == 0, result.output
    assert "admin_units: 14149" in result.output and "ethnicity: 54" in result.output


def test_seed_demo_refuses_outside_demo_mode(app, tmp_path):
    production = create_app(base_config(tmp_path, app.config["DATABASE_URL"], DEMO_MODE=False))
    result = production.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "PORTAL_DEMO_MODE" in result.output
    assert _procedures(app) == 0


def test_seed_demo_then_if_empty_leaves_data_alone(app, runner):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "6 agencies" in result.output
    count = _procedures(app)
    assert count >= 40
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "left as it is" in result.output
    result = runner.invoke(args=["seed-demo"])  # running it again updates, never duplicates
    assert result.exit_code == 0 and _procedures(app) == count
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Agency)) == 6
        # The demo survey is there once, published, open, with one question of each kind.
        survey = db.session.scalars(select(Survey)).one()
        assert survey.published and surveys.state_of(survey) is surveys.State.OPEN
        assert sorted(q.kind for q in survey.questions) == ["multiple", "scale", "single",
                                                            "text"]
