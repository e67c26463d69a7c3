"""The house limit on module size that ``make lint`` enforces (scripts/check_sizes.py)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_sizes", ROOT / "scripts" / "check_sizes.py")
check_sizes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_sizes)


def test_a_file_over_the_limit_is_reported_with_its_count(tmp_path):
    short, long_ = tmp_path / "short.py", tmp_path / "long.py"
    short.write_text("x = 1\n" * 500)
    long_.write_text("x = 1\n" * 501)
    assert check_sizes.too_long(files=[short, long_], limit=500) == [(long_, 501)]


def test_migrations_are_not_counted():
    files = check_sizes.tracked_python_files()
    assert files, "git ls-files found no Python files"
    assert not any("/migrations/" in str(p) for p in files)
    assert ROOT / "scripts" / "check_sizes.py" in files


def test_the_repository_keeps_the_limit():
    assert check_sizes.main([]) == 0
