"""Issue 12 item 8: the evidence browser against DNS rebinding, arguments smuggled into url_for, odd
parameters, planted symbolic links and a doubled charset. In-process through Flask's test client, on
a synthetic sealed store."""

from __future__ import annotations

import os

import pytest
from evidence_helpers import make_store, signer  # noqa: F401  (fixture)

from evidence.web import create_app


@pytest.fixture()
def data(tmp_path, signer):  # noqa: F811
    store, ids = make_store(tmp_path / "var", signer)
    rows = {r["role"]: r for r in store.db.query("select a.sha256, l.role, a.path from artifacts a "
                                                  "join run_artifacts l on l.sha256 = a.sha256")}
    store.close()
    return tmp_path / "var", ids, rows


@pytest.fixture()
def client(data):
    return create_app(data[0]).test_client()


@pytest.mark.parametrize("host,code", [("127.0.0.1:8800", 200), ("localhost", 200), ("LOCALHOST:1", 200),
                                       ("[::1]:8800", 200), ("attacker.example", 400), ("attacker.example:8800", 400),
                                       ("127.0.0.1.attacker.example", 400), ("localhost.attacker.example", 400)])
def test_on_loopback_only_loopback_host_headers_are_answered(client, host, code):
    assert client.get("/", headers={"Host": host}).status_code == code


def test_with_a_token_the_host_is_not_what_protects_it(data):
    app = create_app(data[0], token="bi-mat")
    response = app.test_client().get("/", headers={"Host": "kiemtra.example", "Authorization": "Bearer bi-mat"})
    assert response.status_code == 200


def test_request_arguments_never_reach_url_for(client):
    response = client.get("/luot?page=2&_external=1&_anchor=x&_scheme=javascript&_method=POST&agency=thu-nghiem")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "http://localhost" not in page and "#x" not in page and "javascript" not in page and "_external" not in page
    assert 'href="/luot?agency=thu-nghiem"' in page  # the previous page: the filter kept, page 1 implied


@pytest.mark.parametrize("query", ["page=%C2%B2", "page=99999999999999999999", "page=0", "page=-1", "page=1.5",
                                   "page=", "group=khac", "level=x", "mode=y", "failed=2", "agency=" + "a" * 300])
def test_malformed_parameters_are_400_not_500(client, query):
    assert client.get(f"/luot?{query}").status_code == 400


def test_the_home_page_refuses_an_unknown_group(client):
    assert client.get("/?group=khac").status_code == 400
    assert client.get("/?group=tinh").status_code == 200


def test_a_planted_link_in_the_thumbnail_cache_is_never_followed(client, data, tmp_path):
    folder, _, rows = data
    sha = rows["screenshot"]["sha256"]
    secret = tmp_path / "bi-mat.jpg"
    secret.write_bytes(b"NOI DUNG BI MAT CUA MAY CHU")
    cache = folder / "cache" / "thumbs" / sha[:2]
    cache.mkdir(parents=True)
    (cache / f"{sha}.jpg").symlink_to(secret)
    response = client.get(f"/thumb/{sha}.jpg")
    assert response.status_code == 200 and b"BI MAT" not in response.data and response.data[:2] == b"\xff\xd8"
    assert (cache / f"{sha}.jpg").is_symlink()  # nothing written through it either
    assert secret.read_bytes() == b"NOI DUNG BI MAT CUA MAY CHU"


def test_a_linked_cache_folder_is_not_written_through(client, data, tmp_path):
    folder, _, rows = data
    sha = rows["screenshot"]["sha256"]
    elsewhere = tmp_path / "noi-khac"
    elsewhere.mkdir()
    (folder / "cache").mkdir()
    (folder / "cache" / "thumbs").symlink_to(elsewhere)
    assert client.get(f"/thumb/{sha}.jpg").status_code == 200
    assert list(elsewhere.rglob("*")) == []


def test_a_blob_that_is_a_link_is_not_served(client, data):
    folder, _, rows = data
    png, html = rows["screenshot"], rows["html"]
    target = folder / png["path"]
    os.replace(target, target.with_suffix(".bak"))
    target.symlink_to(folder / html["path"])  # a link inside the evidence folder still is a link
    assert client.get(f"/blob/{png['sha256']}").status_code == 404
    assert client.get(f"/thumb/{png['sha256']}.jpg").status_code == 404


def test_text_blobs_carry_one_charset(client, data):
    response = client.get(f"/blob/{data[2]['html']['sha256']}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].lower().count("charset") == 1
