"""The dashboard's HTTP side, without a browser: the page's security headers and script-free
markup, its static assets, and ``/dashboard/operations.json`` — the exact texts of the
``Dashboard*`` operation files, each one named operation that the schema accepts."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from graphql import OperationDefinitionNode, parse, validate

from advocacy.graphql.schema import default_schema
from advocacy.tenancy.models import Role
from advocacy.web.dashboard import STATIC_DIR
from advocacy.web.documents import OPERATIONS_DIR
from tests.conftest import Org
from tests.fixtures.api import Api

SCRIPTS = STATIC_DIR / "dashboard"
CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
}


def policy(header: str) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


def dashboard_files() -> dict[str, str]:
    return {path.stem: path.read_text() for path in OPERATIONS_DIR.glob("Dashboard*.graphql")}


async def test_the_page_has_strict_headers_and_no_inline_code(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert policy(response.headers["content-security-policy"]) == CSP
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    html = response.text
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert len(re.findall(r"<script\b[^>]*></script>", html)) == len(scripts)  # no bodies
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert not re.search(r'\b(href|src|action)="(https?:)?//', html)  # nothing off-site


async def test_the_assets_are_served_with_nosniff(client: httpx.AsyncClient) -> None:
    for path, kind in [
        ("/static/dashboard/main.js", "javascript"),
        ("/static/dashboard/dashboard.css", "text/css"),
    ]:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"]
        assert response.headers["x-content-type-options"] == "nosniff"
    vendored = await client.head("/static/vendor/chart.umd.min.js")
    assert vendored.status_code == 200, "Chart.js isn't vendored: run `make vendor`"
    assert (await client.get("/static/../app.py")).status_code == 404
    assert (await client.get("/static/dashboard/nothing.js")).status_code == 404


async def test_operations_json_serves_the_dashboard_files_verbatim(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/dashboard/operations.json")
    assert response.status_code == 200
    served = response.json()
    files = dashboard_files()
    assert served == files  # the exact texts, and nothing but the Dashboard* files
    schema = default_schema()._schema
    for name, text in served.items():
        document = parse(text)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        assert [op.name.value for op in operations if op.name] == [name], name
        assert validate(schema, document) == [], name


def test_the_scripts_send_only_served_operations_and_use_them_all() -> None:
    used: set[str] = set()
    for script in SCRIPTS.glob("*.js"):
        used |= set(re.findall(r"\"(Dashboard[A-Za-z]+)\"", script.read_text()))
    assert used == set(dashboard_files())


def test_the_scripts_keep_the_token_out_of_urls_and_markup() -> None:
    for script in SCRIPTS.glob("*.js"):
        text = script.read_text()
        for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert risky not in text, f"{script.name} uses {risky}"
        assert "localStorage" not in text, f"{script.name}: the token belongs in sessionStorage"
        assert not re.search(r"[?&]token=", text), script.name
        assert ".style." not in text and 'setAttribute("style"' not in text, script.name


async def test_a_dashboard_query_runs_as_served(
    client: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    served = (await client.get("/dashboard/operations.json")).json()
    data = await marketer(served["DashboardViewer"])
    assert data["viewer"] == {
        "role": Role.MARKETER.value,
        "organization": {"id": org.gid, "name": "Test Org"},
    }


def test_the_page_references_only_files_that_exist() -> None:
    html = (Path(STATIC_DIR).parent / "templates" / "dashboard.html").read_text()
    for path in re.findall(r'(?:href|src)="/static/([^"]+)"', html):
        assert (STATIC_DIR / path).is_file(), path  # vendor/ too: committed (make vendor)
