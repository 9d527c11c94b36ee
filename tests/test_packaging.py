"""A regular install (`pip install .`, not editable) finds its package data: assets, catalogues,
import profiles and migrations. Checked from outside the source tree, in a fresh venv."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# What the Dockerfile copies: the wheel is built from these alone.
SOURCES = ("pyproject.toml", "README.md", "zielcockpit", "db", "etl", "app", "assets")

pytestmark = pytest.mark.packaging

# Runs inside the installed venv, with the temporary folder as working directory.
PROBE = """
import json
import app, etl.profile
from app import ASSETS, create_app
from etl.profile import PROFILE_DIR, load_profiles
from zielcockpit.settings import Settings
from zielcockpit.services.report_pdf import FONT_DIR, TEMPLATE, drawable

settings = Settings.resolve(environ={"DATABASE_URL": DATABASE_URL})
client = create_app(settings).server.test_client()
print(json.dumps({
    "app": app.__file__,
    "assets": str(ASSETS),
    "catalogue_dir": str(settings.catalogue_dir),
    "catalogues": sorted(p.name for p in settings.catalogue_dir.glob("*.yaml")),
    "profile_dir": str(PROFILE_DIR),
    "profiles": sorted(p.name for p in load_profiles()),
    "report_template": str(TEMPLATE) if TEMPLATE.is_file() else None,
    "report_fonts": sorted(p.name for p in FONT_DIR.iterdir()),
    "report_glyphs": len(drawable()),
    "served": {
        path: client.get(path).status_code
        for path in ("/assets/vendor/bootstrap-5.3.9/bootstrap.min.css", "/assets/app.css")
    },
}))
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with zielcockpit installed from a copy of the sources (not editable); the
    dependencies come from the running environment through a .pth file, so nothing is downloaded
    but the build backend (pip's build isolation, as in the Dockerfile)."""
    root = tmp_path_factory.mktemp("packaging")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(
                REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy(REPO / name, src / name)
    env_dir = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env_dir], check=True)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Plain paths, not site directories: the .pth files there (an editable install of this
    # project, say) are not run, so only the fresh install provides zielcockpit.
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "_zielcockpit_test_deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", src],
        check=True,
        timeout=300,
    )
    return env_dir


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ZIELCOCKPIT_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'zc.db'}"
    return env


def test_pkg001_installed_package_finds_assets_catalogues_and_profiles(
    venv: Path, tmp_path: Path
) -> None:
    env = _clean_env(tmp_path)
    for command in ("init-db", "load-catalogue"):
        done = subprocess.run(
            [venv / "bin" / "zielcockpit", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert "bielefeld_2017.yaml geladen" in done.stdout  # the default catalogue folder

    probe = f"DATABASE_URL = {env['DATABASE_URL']!r}\n{PROBE}"
    done = subprocess.run(
        [venv / "bin" / "python", "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])

    installed = str(venv.resolve())
    for key in ("app", "assets", "catalogue_dir", "profile_dir", "report_template"):
        assert found[key].startswith(installed), (key, found[key])  # not the source tree
    assert Path(found["assets"], "vendor", "bootstrap-5.3.9", "bootstrap.min.css").is_file()
    expected = sorted(p.name for p in (REPO / "zielcockpit" / "catalogue").glob("*.yaml"))
    assert found["catalogues"] == expected
    assert found["profiles"] == sorted(p.stem for p in (REPO / "etl" / "profiles").glob("*.yaml"))
    assert found["served"] == dict.fromkeys(found["served"], 200)
    # The committee report's template and fonts (DejaVu Sans and its licence).
    fonts = REPO / "zielcockpit" / "report" / "fonts"
    assert found["report_fonts"] == sorted(p.name for p in fonts.iterdir())
    assert found["report_glyphs"] > 3000
    # … and sets the report with them, from outside the source tree.
    for args in (
        ["seed-demo"],
        ["report", "--plan", "2017", "--period", "2017-Q3", "-o", "b.pdf"],
    ):
        done = subprocess.run(
            [venv / "bin" / "zielcockpit", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Bericht geschrieben: b.pdf (")
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF-1.7")


def test_pkg003_every_code_folder_is_a_listed_package() -> None:
    """A new code folder that pyproject.toml does not list would be missing from the wheel."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(p.parent.relative_to(REPO).parts)
        for top in ("zielcockpit", "app", "db", "etl")
        for p in (REPO / top).rglob("*.py")
        if "migrations" not in p.parts and "__pycache__" not in p.parts
    }
    assert folders - listed == set()
    assert config["tool"]["setuptools"]["package-dir"]["app.assets"] == "assets"
