"""The web console is served by the gateway and speaks Turkish and English."""
from __future__ import annotations

import json
import re

from services.gateway.console import HERE, LANGUAGES, catalog


def test_every_string_the_console_uses_exists_in_turkish_and_english():
    page = (HERE / "static" / "console.html").read_text(encoding="utf-8")
    scripts = "\n".join(p.read_text(encoding="utf-8") for p in sorted((HERE / "static" / "js").glob("*.js")))
    keys = set(re.findall(r'data-i18n(?:-placeholder|-label)?="([^"]+)"', page))
    keys |= set(re.findall(r'(?<![\w.])t\("([a-z_.0-9-]+)"\)', scripts))
    assert "notes.add" in keys and "ticket.confirm_delete" in keys  # the modules were read
    for language in LANGUAGES:
        missing = keys - set(catalog(language))
        assert not missing, f"{language} lacks {sorted(missing)}"


def test_turkish_and_english_catalogs_have_the_same_keys_and_no_empty_strings():
    turkish, english = catalog("tr"), catalog("en")
    assert turkish["ticket.confirm_delete"] == "Evet, Sil" and english["ticket.confirm_delete"] == "Yes, delete"
    assert set(turkish) == set(english)
    assert all(value.strip() for value in [*turkish.values(), *english.values()])
    assert turkish["status.pending"] == "Müşteri bekleniyor"


def test_the_gateway_serves_the_console_and_its_strings(tmp_path):
    from services.gateway.app import create_app
    client = create_app().test_client()
    page = client.get("/")
    assert page.status_code == 200 and b'id="login-form"' in page.data
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy  # no injected script, no framing
    module = client.get("/console/js/app.js")
    assert module.status_code == 200 and "javascript" in module.content_type  # browsers refuse modules otherwise
    assert b'<script type="module" src="/console/js/app.js">' in page.data
    assert json.loads(client.get("/console/i18n/tr.json").data)["login.title"] == "Giriş yap"
    assert client.get("/console/i18n/de.json").status_code == 404
