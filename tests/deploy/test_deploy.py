"""The example production files of deploy/ are valid for the programs that read them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=hub.example.org", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None or shutil.which("openssl") is None:
        pytest.fail("the deploy checks need nginx and openssl: apt-get install nginx-light "
                    "openssl (make test installs nginx-light as root)")
    cert, key = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "hub.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/hub.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/hub.example.org/privkey.pem", str(key))
    (tmp_path / "hub.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; include /etc/nginx/mime.types; include {tmp_path}/hub.conf; }}\n")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_nginx_never_serves_media_root_publicly():
    site = (DEPLOY / "nginx" / "hub.conf").read_text()
    protected = site[site.index("location /_protected/"):]
    protected = protected[:protected.index("}")]
    assert "internal;" in protected
    assert site.count("/srv/hub/var/media/") == 1  # only the internal location reads it


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_systemd_units_verify(unit, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("the deploy checks need systemd-analyze: apt-get install systemd")
    # the units name /srv/hub; verify them against this checkout, which has the programs
    (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/hub", str(ROOT)))
    result = subprocess.run([analyze, "verify", unit.name], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    complaints = [line for line in result.stderr.splitlines()
                  if "Unknown" in line or "ignoring" in line or "Failed" in line]
    assert not complaints, complaints


def test_the_units_cover_web_each_queue_and_one_beat():
    text = {u.name: u.read_text() for u in UNITS}
    assert "gunicorn hub.wsgi" in text["hub-web.service"]
    queues = " ".join(t for t in text.values() if "worker" in t)
    for queue in ("default", "identify", "train"):
        assert queue in queues
    assert sum("celery -A hub beat" in t for t in text.values()) == 1
