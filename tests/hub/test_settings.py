"""Settings come from the environment; production refuses insecure values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hub.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "x" * 20 + "-a-long-random-production-secret-value-0123456789"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items()
                if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


def test_env_bool_names_the_variable_when_malformed(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


def test_env_int_rejects_junk_and_too_small(monkeypatch):
    monkeypatch.setenv("WORKERS", "two")
    with pytest.raises(ImproperlyConfigured, match="WORKERS"):
        env_int("WORKERS", 1)
    monkeypatch.setenv("WORKERS", "0")
    with pytest.raises(ImproperlyConfigured, match="WORKERS=0"):
        env_int("WORKERS", 1, minimum=1)


def test_env_list_splits_and_strips(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.org, b.org ,,")
    assert env_list("HOSTS") == ["a.org", "b.org"]


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="hub.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DEBUG="0", SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_malformed_variable_stops_start_up_with_its_name():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_malformed_database_url_stops_start_up_with_its_name():
    result = _manage("check", DATABASE_URL="nonsense://")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0",
                     SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="hub.example.org",
                     SITE_URL="https://hub.example.org")
    assert result.returncode == 0, result.stderr + result.stdout


def test_every_variable_the_settings_read_is_in_the_readme():
    import re

    source = (ROOT / "hub" / "settings.py").read_text()
    names = set(re.findall(r'env_(?:str|int|float|bool|list)\(\s*"([A-Z0-9_]+)"', source))
    names |= set(re.findall(r'os\.environ(?:\.get\(|\[)\s*"([A-Z0-9_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| variable | default | meaning |"):]
    table = table[:table.index("\n\n")]
    missing = sorted(n for n in names if f"`{n}`" not in table)
    assert len(names) > 40
    assert not missing, f"not in the README's configuration table: {missing}"
