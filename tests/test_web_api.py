"""The web app's JSON API (FastAPI TestClient and a live server), offline.

Covers uploads of every kind, the corrections, reconstruction, the
comparison across figures with every download, export and import, the
store surviving a restart, ``kmipd serve``, and the guards: size and pixel
limits, content checks by magic bytes, ids, study isolation, cross-site and
host checks, JSON errors for every bad request, and concurrent uploads.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from PIL import Image

from kmipd.errors import ReconstructionError
from kmipd.web import create_app, default_data_dir

DATA = Path(__file__).parent / "data" / "web"
BASE = "http://127.0.0.1"
HAS_DIGITIZE = importlib.util.find_spec("kmipd.digitize") is not None


class FakeReader:
    """A figure reader with a fixed answer (fast, and independent of kmipd.digitize)."""

    def __init__(self, available: bool = True) -> None:
        self.available = available
        self.options: list[dict[str, Any]] = []

    def status(self) -> dict[str, Any]:
        return {"available": self.available, "reason": "" if self.available else "switched off"}

    def read(self, image: bytes, options: dict[str, Any]) -> dict[str, Any]:
        self.options.append(options)
        arm: dict[str, Any] = {
            "colour": "#0072b2",
            "label_read": "Control",
            "confidence": {"curve": 0.9, "label": 0.5, "risk_table": 0.95},
            "censor": [7.0],
            "n": None,
            "events": None,
        }
        first: dict[str, Any] = dict(arm, key="a1", name="Control")
        first["points"] = [[0, 1], [2, 1], [2, 0.8], [6, 0.8], [6, 0.5], [10, 0.5]]
        first["risk"] = [
            {"time": 0, "n": 50, "confidence": 0.99, "at": [100, 420]},
            {"time": 5, "n": 40, "confidence": 0.4, "at": [200, 420]},
        ]
        second: dict[str, Any] = dict(arm, key="a2", name="Treated", colour="#d55e00", censor=[])
        second["points"] = [[0, 1], [3, 1], [3, 0.9], [8, 0.9], [8, 0.7], [10, 0.7]]
        second["risk"] = [
            {"time": 0, "n": 50, "confidence": 0.99},
            {"time": 5, "n": 45, "confidence": 0.9},
        ]
        calibration = {
            "x": {"p0": 100.0, "v0": 0.0, "p1": 500.0, "v1": 20.0},
            "y": {"p0": 400.0, "v0": 0.0, "p1": 50.0, "v1": 1.0},
            "percent": False,
            "failure": False,
            "plot_area": {"top": 50.0, "left": 100.0, "bottom": 400.0, "right": 500.0},
            "ticks": [
                {
                    "axis": "x",
                    "pixel": 100.0,
                    "value": 0,
                    "text": "0",
                    "confidence": 0.9,
                    "used": True,
                }
            ],
            "confidence": {"x": 0.9, "y": 0.8},
            "source": "labels",
            "editable": True,
        }
        return {
            "calibration": calibration,
            "arms": [first, second],
            "warnings": [],
            "seconds": 0.01,
        }


def png_bytes(width: int = 600, height: int = 450) -> bytes:
    """A plain white PNG."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def files(**named: str) -> dict[str, tuple[str, bytes, str]]:
    """Multipart files from tests/data/web: role=file name."""
    return {role: (name, (DATA / name).read_bytes(), "text/csv") for role, name in named.items()}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(tmp_path / "store", reader=FakeReader())
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as test_client:
        yield test_client


def new_study(client: TestClient, title: str = "Test") -> str:
    response = client.post("/api/studies", json={"title": title})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def wait_ready(client: Any, study: str, figure: str, seconds: float = 30) -> dict[str, Any]:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        doc = client.get(f"/api/studies/{study}/figures/{figure}").json()
        if doc["status"] != "pending":
            return dict(doc)
        time.sleep(0.05)
    raise AssertionError(f"figure {figure} still pending after {seconds} s")


def upload_image(client: TestClient, study: str, data: bytes | None = None) -> dict[str, Any]:
    response = client.post(
        f"/api/studies/{study}/figures",
        files={"figure": ("figure.png", data or png_bytes(), "image/png")},
        data={"trial": "FAKE", "endpoint": "PFS"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    return wait_ready(client, study, response.json()["id"])


def upload_curves(client: TestClient, study: str, stem: str, trial: str) -> dict[str, Any]:
    response = client.post(
        f"/api/studies/{study}/figures",
        files=files(curve=f"{stem}_curve.csv", risk_table=f"{stem}_risk.csv"),
        data={"trial": trial, "endpoint": "PFS", "time_unit": "months"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def edit_body(doc: dict[str, Any]) -> dict[str, Any]:
    """The PUT body the page sends for a figure."""
    arms = [
        {
            "key": a["key"],
            "name": a["name"],
            "points": a["points"],
            "censor": a["censor"],
            "risk": [{"time": e["time"], "n": e["n"]} for e in a["risk"]],
            "n": a["n"],
            "events": a["events"],
        }
        for a in doc["arms"]
    ]
    return {
        "trial": doc["trial"],
        "endpoint": doc["endpoint"],
        "time_unit": doc["time_unit"],
        "arms": arms,
    }


# --------------------------------------------------------------------------- basics


def test_health_page_and_openapi(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["reader"] == {"available": True, "reason": ""}
    page = client.get("/")
    assert page.status_code == 200 and "figure-list" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/studies/{study_id}/figures/{figure_id}/reconstruct" in paths
    assert "/api/studies/{study_id}/compare" in paths
    assert client.get("/static/js/app.js").status_code == 200


def test_import_kmipd_and_cli_do_not_import_fastapi() -> None:
    code = "import sys, kmipd, kmipd.cli; print('fastapi' in sys.modules, 'uvicorn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_default_data_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("XDG applies to Linux and other Unix systems")
    assert default_data_dir({"XDG_DATA_HOME": "/srv/data"}) == Path("/srv/data/kmipd")
    assert default_data_dir({}) == Path.home() / ".local" / "share" / "kmipd"


# --------------------------------------------------------------------------- uploads


def test_curve_csvs_reconstruct_and_download(client: TestClient) -> None:
    study = new_study(client)
    doc = upload_curves(client, study, "alpha", "ALPHA")
    assert [a["name"] for a in doc["arms"]] == ["Control", "Drug A"]
    assert doc["arms"][0]["risk"][0] == {"time": 0.0, "n": 60, "confidence": None, "source": "file"}
    done = client.post(f"/api/studies/{study}/figures/{doc['id']}/reconstruct")
    assert done.status_code == 200, done.text
    result = done.json()["result"]
    assert [(a["name"], a["n"]) for a in result["arms"]] == [("Control", 60), ("Drug A", 60)]
    assert result["analysis"]["comparisons"][0]["hazard_ratio"]["estimate"] < 1
    base = f"/api/studies/{study}/figures/{doc['id']}/download"
    ipd = client.get(f"{base}/ipd.csv")
    assert ipd.text.splitlines()[0] == "arm,time,event" and len(ipd.text.splitlines()) == 121
    assert 'filename="alpha_curve_ipd.csv"' in ipd.headers["content-disposition"]
    assert client.get(f"{base}/curves.csv").text.startswith("arm,time,survival\nControl,0")
    assert "Drug A,3.0,49" in client.get(f"{base}/risk.csv").text
    assert client.get(f"{base}/km.png").content.startswith(b"\x89PNG")
    assert b"<svg" in client.get(f"{base}/km.svg").content[:400]


def test_ipd_upload_is_analysed_at_once(client: TestClient) -> None:
    study = new_study(client)
    response = client.post(
        f"/api/studies/{study}/figures", files=files(ipd="gamma_ipd.csv"), data={"trial": "GAMMA"}
    )
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["kind"] == "ipd" and [a["n"] for a in doc["result"]["arms"]] == [40, 40]


def test_image_upload_is_read_in_the_background(client: TestClient) -> None:
    study = new_study(client)
    doc = upload_image(client, study)
    assert doc["status"] == "ready" and doc["reader"]["automatic"] is True
    assert [a["name"] for a in doc["arms"]] == ["Control", "Treated"]
    image = client.get(f"/api/studies/{study}/figures/{doc['id']}/image")
    assert image.headers["content-type"] == "image/png" and image.content.startswith(b"\x89PNG")


def test_read_again_with_a_crop_or_a_panel(tmp_path: Path) -> None:
    reader = FakeReader()
    with TestClient(create_app(tmp_path, reader=reader), base_url=BASE) as test_client:
        study = new_study(test_client)
        doc = upload_image(test_client, study)
        url = f"/api/studies/{study}/figures/{doc['id']}/read"
        again = test_client.post(url, json={"crop": [10, 20, 400, 500], "arms": 2})
        assert again.status_code == 202 and again.json()["status"] == "pending"
        done = wait_ready(test_client, study, doc["id"])
        small = test_client.post(url, json={"crop": [0, 0, 10, 10]})
        panel = test_client.post(url, json={"panel": 0})
        test_client.post(url, json={"panel": 2})
        wait_ready(test_client, study, doc["id"])
    assert done["revision"] > doc["revision"] and reader.options[-2]["crop"] == (10, 20, 400, 500)
    assert reader.options[-2]["arms"] == 2 and reader.options[0] == {}
    assert small.status_code == 422 and "at least 50 x 50" in small.json()["error"]
    assert panel.status_code == 422 and reader.options[-1]["panel"] == 2


def test_pdf_page_is_rendered(client: TestClient) -> None:
    study = new_study(client)
    pdf = (DATA / "km_figure.pdf").read_bytes()
    url = f"/api/studies/{study}/figures"
    response = client.post(url, files={"figure": ("fig.pdf", pdf, "application/pdf")})
    assert response.status_code == 201, response.text
    doc = wait_ready(client, study, response.json()["id"])
    assert doc["canvas"]["width"] == 2000 and "page 1 of a PDF" in doc["notes"]
    wrong = client.post(
        url, files={"figure": ("fig.pdf", pdf, "application/pdf")}, data={"page": "3"}
    )
    assert wrong.status_code == 422 and "page 3 does not exist" in wrong.json()["error"]


def test_svg_upload_is_rendered_and_read_from_its_drawing(tmp_path: Path) -> None:
    from kmipd.web._uploads import sniff
    from test_digitize_svg import svglite_like

    svg = svglite_like().encode()
    assert sniff(svg) == "svg" and sniff(b"time,survival\n0,1\n") == "text"
    reader = FakeReader()
    with TestClient(create_app(tmp_path, reader=reader), base_url=BASE) as test_client:
        study = new_study(test_client)
        url = f"/api/studies/{study}/figures"
        response = test_client.post(url, files={"figure": ("km.svg", svg, "image/svg+xml")})
        assert response.status_code == 201, response.text
        doc = wait_ready(test_client, study, response.json()["id"])
        image = test_client.get(f"{url}/{doc['id']}/image")
        broken = test_client.post(
            url, files={"figure": ("bad.svg", b"<svg><path d='M 0 0'", "image/svg+xml")}
        )
    assert doc["canvas"] == {"width": 2000, "height": round(2000 * 432 / 504)}
    assert image.headers["content-type"] == "image/png" and image.content.startswith(b"\x89PNG")
    assert doc["drawing"]["kind"] == "svg" and reader.options[0]["drawing"] == doc["drawing"]
    assert broken.status_code == 422 and "not a readable SVG" in broken.json()["error"]


@pytest.mark.skipif(not HAS_DIGITIZE, reason="kmipd.digitize (automatic figure reading) is missing")
def test_vector_pdf_and_svg_uploads_are_read_from_the_drawing(tmp_path: Path) -> None:
    from test_digitize_svg import TRUTH, svglite_like

    pdf = Path(__file__).parent / "data" / "figures" / "act2_2b-jco.pdf"
    with TestClient(create_app(tmp_path), base_url=BASE) as real:
        study = new_study(real)
        url = f"/api/studies/{study}/figures"
        docs = []
        for name, data, kind in (
            ("act2.pdf", pdf.read_bytes(), "application/pdf"),
            ("km.svg", svglite_like().encode(), "image/svg+xml"),
        ):
            response = real.post(url, files={"figure": (name, data, kind)})
            assert response.status_code == 201, response.text
            docs.append(wait_ready(real, study, response.json()["id"], 120))
    act2, svg = docs
    assert act2["reader"]["automatic"] is True, act2["warnings"]
    assert [a["name"] for a in act2["arms"]] == ["mut_b", "mut_c"]
    assert "read from the PDF's drawing (vector) on page 1" in act2["warnings"]
    assert [{e["time"]: e["n"] for e in a["risk"]}[0.0] for a in act2["arms"]] == [34, 33]
    assert act2["calibration"]["x"]["v1"] == 15 and act2["canvas"]["width"] == 2000
    assert [a["name"] for a in svg["arms"]] == list(TRUTH)
    assert "read from the SVG's drawing (vector)" in svg["warnings"]
    assert [[e["n"] for e in a["risk"]] for a in svg["arms"]] == [t[3] for t in TRUTH.values()]


@pytest.mark.skipif(not HAS_DIGITIZE, reason="kmipd.digitize (automatic figure reading) is missing")
def test_real_figure_is_digitized(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path), base_url=BASE) as real:
        study = new_study(real)
        response = real.post(
            f"/api/studies/{study}/figures",
            files={"figure": ("km.png", (DATA / "km_figure.png").read_bytes(), "image/png")},
        )
        doc = wait_ready(real, study, response.json()["id"])
    assert doc["reader"]["automatic"] is True, doc["warnings"]
    assert [a["name"].lower() for a in doc["arms"]] == ["chemotherapy", "immunotherapy"]
    assert [{e["time"]: e["n"] for e in a["risk"]}.get(0.0) for a in doc["arms"]] == [120, 120]
    assert all(e["time"] >= 0 for a in doc["arms"] for e in a["risk"])
    assert doc["calibration"]["x"]["v1"] == 24 and len(doc["arms"][0]["points"]) > 100
    for arm in doc["arms"]:  # the page edits step corners: no point inside a flat stretch
        levels = [s for _, s in arm["points"]]
        assert not any(a == b == c for a, b, c in zip(levels, levels[1:], levels[2:], strict=False))
        assert 0 < arm["precision"] < 0.01  # one pixel of the y axis, for reconstruct


def test_without_reader_a_figure_is_digitized_by_hand(tmp_path: Path) -> None:
    app = create_app(tmp_path, reader=FakeReader(available=False))
    with TestClient(app, base_url=BASE) as manual:
        assert manual.get("/api/health").json()["reader"]["available"] is False
        study = new_study(manual)
        doc = upload_image(manual, study)
    assert doc["status"] == "ready" and doc["calibration"]["source"] == "manual"
    assert "not available (switched off)" in doc["warnings"][0]
    assert [a["points"] for a in doc["arms"]] == [[]]


# --------------------------------------------------------------------------- corrections


def test_corrections_keep_confidence_only_for_unchanged_values(client: TestClient) -> None:
    study = new_study(client)
    doc = upload_image(client, study)
    body = edit_body(doc)
    body["arms"][0]["name"] = "Placebo"
    body["arms"][0]["points"].append([4.0, 0.8])
    body["arms"][0]["risk"][1]["n"] = 41
    body["arms"][1]["points"].pop()
    body["arms"][1]["events"] = 12
    url = f"/api/studies/{study}/figures/{doc['id']}"
    response = client.put(url, json=body)
    assert response.status_code == 200, response.text
    arms = response.json()["arms"]
    assert arms[0]["name"] == "Placebo" and [4.0, 0.8] in arms[0]["points"]
    assert [e["confidence"] for e in arms[0]["risk"]] == [0.99, None]
    assert arms[0]["confidence"]["curve"] == 0.9 and arms[1]["events"] == 12
    assert len(arms[1]["points"]) == 5 and response.json()["revision"] == doc["revision"] + 1
    body["arms"][1]["name"] = "Placebo"
    twice = client.put(url, json=body)
    assert twice.status_code == 422 and "same name" in twice.json()["error"]


def test_calibration_moves_points_with_the_pixels(client: TestClient) -> None:
    study = new_study(client)
    doc = upload_image(client, study)
    url = f"/api/studies/{study}/figures/{doc['id']}/calibration"
    edit: dict[str, Any] = {
        "x": {"p0": 100.0, "v0": 0.0, "p1": 500.0, "v1": 40.0},
        "y": {"p0": 400.0, "v0": 0.0, "p1": 50.0, "v1": 100.0},
        "percent": True,
    }
    response = client.put(url, json=edit)
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["arms"][0]["points"][-1] == [20.0, 0.5]  # times doubled, survival kept
    assert moved["arms"][0]["censor"] == [14.0] and moved["calibration"]["source"] == "user"
    edit["x"]["v1"] = 0.0
    same = client.put(url, json=edit)
    assert same.status_code == 422 and "different values" in same.json()["error"]


def test_merge_arms(client: TestClient) -> None:
    study = new_study(client)
    doc = upload_image(client, study)
    url = f"/api/studies/{study}/figures/{doc['id']}/merge"
    merged = client.post(url, json={"keys": ["a1", "a2"], "name": "All"}).json()
    assert [a["name"] for a in merged["arms"]] == ["All"]
    assert len(merged["arms"][0]["points"]) == 12 and merged["arms"][0]["censor"] == [7.0]
    gone = client.post(url, json={"keys": ["a1", "a2"]})
    assert gone.status_code == 422 and "distinct arms" in gone.json()["error"]


def test_kmipd_errors_are_422_with_the_message(client: TestClient) -> None:
    study = new_study(client)
    doc = upload_image(client, study)
    body = edit_body(doc)
    for arm in body["arms"]:
        arm["risk"] = []
    url = f"/api/studies/{study}/figures/{doc['id']}"
    assert client.put(url, json=body).status_code == 200
    response = client.post(f"{url}/reconstruct")
    assert response.status_code == 422
    assert "number of patients is unknown" in response.json()["error"]
    bad = b"time,survival\n0,1\n1,abc\n"
    csv = client.post(
        f"/api/studies/{study}/figures", files={"curve": ("bad.csv", bad, "text/csv")}
    )
    assert csv.status_code == 422 and "bad.csv, row 3" in csv.json()["error"]
    assert "kmipd-web-" not in csv.json()["error"]  # no temporary paths


# --------------------------------------------------------------------------- comparison


def test_two_figure_comparison_reproduces_with_kmipd_run(
    client: TestClient, tmp_path: Path
) -> None:
    study = new_study(client, 'Cross <trial> & "quotes"')
    alpha = upload_curves(client, study, "alpha", "ALPHA")
    beta = upload_curves(client, study, "beta", "BETA")
    arms = [{"figure": alpha["id"], "key": "a1", "label": "Control (ALPHA)"}]
    arms.append({"figure": beta["id"], "key": "a2", "label": None})
    settings = {"arms": arms, "landmarks": [2, 6], "time_unit": "months"}
    assert client.put(f"/api/studies/{study}", json=settings).status_code == 200
    built = client.post(f"/api/studies/{study}/compare")
    assert built.status_code == 200, built.text
    comparison = built.json()["comparison"]
    assert comparison["figures"] == ["PFS"] and comparison["stale"] is False
    hr = comparison["results"]["comparisons"][0]["hazard_ratio"]["estimate"]
    report = client.get(f"/api/studies/{study}/report.html")
    assert (
        "Control (ALPHA)" in report.text and "sandbox" in report.headers["content-security-policy"]
    )
    assert client.get(f"/api/studies/{study}/km/km_PFS.svg").content.lstrip().startswith(b"<?xml")
    assert client.get(f"/api/studies/{study}/ipd.csv").text.count("\n") == 60 + 50 + 1
    toml = tomllib.loads(client.get(f"/api/studies/{study}/study.toml").text)
    assert toml["title"] == 'Cross <trial> & "quotes"' and toml["comparison"][0]["arms"] == [
        "alpha_control",
        "beta_drug_b",
    ]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/studies/{study}/study.zip").content))
    archive.extractall(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "kmipd", "run", "study.toml", "--out", "out", "-q"],
        cwd=tmp_path / "kmipd-study",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    again = json.loads((tmp_path / "kmipd-study" / "out" / "results.json").read_text())
    assert again["comparisons"][0]["hazard_ratio"]["estimate"] == pytest.approx(hr, rel=1e-12)
    client.put(f"/api/studies/{study}", json={"landmarks": [3]})
    assert client.get(f"/api/studies/{study}").json()["comparison"]["stale"] is True


def test_export_and_import_make_an_independent_study(client: TestClient) -> None:
    study = new_study(client, "Original")
    image = upload_image(client, study)
    curves = upload_curves(client, study, "beta", "BETA")
    refs = [{"figure": image["id"], "key": "a2"}, {"figure": curves["id"], "key": "a1"}]
    client.put(f"/api/studies/{study}", json={"arms": refs})
    exported = client.get(f"/api/studies/{study}/export")
    assert exported.headers["content-type"] == "application/json"
    answer = client.post(
        "/api/studies/import", files={"file": ("s.json", exported.content, "application/json")}
    )
    assert answer.status_code == 201, answer.text
    copy = answer.json()
    assert copy["id"] != study and copy["title"] == "Original"
    assert [f["name"] for f in copy["figures"]] == ["figure.png", "beta_curve.csv"]
    new_ids = {f["id"] for f in copy["figures"]}
    assert [r["figure"] in new_ids for r in copy["arms"]] == [True, True]
    first = client.get(f"/api/studies/{copy['id']}/figures/{copy['figures'][0]['id']}").json()
    assert first["calibration"]["x"]["v1"] == 20.0 and first["arms"][0]["points"][2] == [2, 0.8]
    junk = client.post(
        "/api/studies/import", files={"file": ("s.json", b'{"format": "x"}', "application/json")}
    )
    assert junk.status_code == 422 and "not a valid kmipd study export" in junk.json()["error"]


def test_work_survives_a_restart(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path, reader=FakeReader()), base_url=BASE) as first:
        study = new_study(first, "Kept")
        figure = upload_curves(first, study, "alpha", "ALPHA")["id"]
    with TestClient(create_app(tmp_path, reader=FakeReader()), base_url=BASE) as second:
        kept = second.get(f"/api/studies/{study}").json()
        assert kept["title"] == "Kept" and [f["id"] for f in kept["figures"]] == [figure]


# --------------------------------------------------------------------------- guards


def test_upload_size_and_pixel_limits(tmp_path: Path) -> None:
    app = create_app(tmp_path, reader=FakeReader(), max_upload=50_000, max_pixels=100_000)
    with TestClient(app, base_url=BASE) as small:
        study = new_study(small)
        url = f"/api/studies/{study}/figures"
        big = small.post(
            url, files={"figure": ("big.png", b"\x89PNG\r\n\x1a\n" + bytes(60_000), "image/png")}
        )
        assert big.status_code == 413 and "larger than" in big.json()["error"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
            for _ in range(10):
                yield b"x" * 10_000

        form = {"content-type": "multipart/form-data; boundary=xyz"}
        chunked = small.post(url, content=chunks(), headers=form)
        assert chunked.status_code == 413
        many = small.post(url, files={"figure": ("wide.png", png_bytes(400, 300), "image/png")})
        assert many.status_code == 413 and "400 x 300 pixels" in many.json()["error"]
        assert small.get("/api/health").status_code == 200


@pytest.mark.parametrize(
    ("role", "name", "data", "declared", "status", "words"),
    [
        ("curve", "curve.csv", png_bytes(), "text/csv", 415, "expected a text table"),
        ("figure", "figure.png", b"time,survival\n0,1\n", "image/png", 415, "not a figure"),
        (
            "figure",
            "figure.png",
            (DATA / "km_figure.pdf").read_bytes(),
            "image/png",
            415,
            "content is PDF",
        ),
        ("figure", "figure.png", png_bytes()[:200], "image/png", 422, "damaged or truncated"),
        ("figure", "figure.png", png_bytes(20, 20), "image/png", 422, "too small"),
        ("risk_table", "risk.csv", b"time,n\n0,10\n", "text/csv", 422, "one curve CSV"),
    ],
)
def test_uploads_are_checked_by_content(
    client: TestClient, role: str, name: str, data: bytes, declared: str, status: int, words: str
) -> None:
    study = new_study(client)
    response = client.post(f"/api/studies/{study}/figures", files={role: (name, data, declared)})
    assert response.status_code == status, response.text
    assert words in response.json()["error"]
    assert client.get(f"/api/studies/{study}/figures").json() == []


def test_bad_requests_get_clear_json_4xx_and_the_server_keeps_serving(client: TestClient) -> None:
    study = new_study(client)
    doc = upload_image(client, study)
    url = f"/api/studies/{study}/figures/{doc['id']}"
    cases: list[tuple[str, str, dict[str, Any], int]] = [
        (
            "put",
            url,
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
        ),
        ("put", url, {"json": {**edit_body(doc), "surprise": 1}}, 422),
        (
            "put",
            url,
            {
                "content": b'{"arms": [{"key": "a1", "name": "x", "n": NaN}]}',
                "headers": {"content-type": "application/json"},
            },
            422,
        ),
        ("put", url, {"json": {"arms": [{"key": "../etc", "name": "x"}]}}, 422),
        ("get", "/api/studies/../../etc/passwd", {}, 404),
        ("get", "/api/studies/short", {}, 404),
        ("get", f"/api/studies/{study}/figures/AAAAAAAAAAAA", {}, 404),
        ("get", f"{url}/download/secret.txt", {}, 404),
        ("get", f"/api/studies/{study}/km/..%2Fstudy.toml", {}, 404),
        ("post", f"{url}/merge", {"json": {"keys": "a1"}}, 422),
        ("post", f"/api/studies/{study}/compare", {}, 422),
        ("get", f"/api/studies/{study}/report.html", {}, 404),
        (
            "post",
            "/api/studies/import",
            {"files": {"file": ("x.json", b"\x00\x01", "application/json")}},
            415,
        ),
    ]
    for method, path, options, status in cases:
        response = getattr(client, method)(path, **options)
        assert response.status_code == status, (path, response.text)
        body = response.json()
        assert isinstance(body["error"], str) and body["error"], path
        assert "Traceback" not in response.text
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.get(url).json()["revision"] == doc["revision"]  # nothing changed


def test_internal_errors_are_500_json_without_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kmipd.web import _api_figures

    def broken(doc: Any, study: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(_api_figures, "reconstruct_figure", broken)
    study = new_study(client)
    doc = upload_curves(client, study, "alpha", "ALPHA")
    response = client.post(f"/api/studies/{study}/figures/{doc['id']}/reconstruct")
    assert (
        response.status_code == 500 and "internal error (RuntimeError)" in response.json()["error"]
    )
    assert "Traceback" not in response.text and "boom" not in response.text
    assert client.get("/api/health").status_code == 200


def test_one_study_never_sees_another(client: TestClient) -> None:
    first, second = new_study(client, "A"), new_study(client, "B")
    doc = upload_curves(client, first, "alpha", "ALPHA")
    assert client.get(f"/api/studies/{second}/figures/{doc['id']}").status_code == 404
    assert (
        client.get(f"/api/studies/{second}/figures/{doc['id']}/download/curves.csv").status_code
        == 404
    )
    assert client.delete(f"/api/studies/{second}/figures/{doc['id']}").status_code == 404
    steal = client.put(
        f"/api/studies/{second}", json={"arms": [{"figure": doc["id"], "key": "a1"}]}
    )
    assert steal.status_code == 422 and "not in this study" in steal.json()["error"]
    assert client.get(f"/api/studies/{second}/figures").json() == []
    assert client.get(f"/api/studies/{first}/figures/{doc['id']}").status_code == 200


def test_cross_site_and_foreign_host_requests_are_refused(client: TestClient) -> None:
    evil = client.post("/api/studies", json={}, headers={"origin": "http://evil.example"})
    assert evil.status_code == 403 and "other web sites" in evil.json()["error"]
    same = client.post("/api/studies", json={}, headers={"origin": BASE})
    assert same.status_code == 201
    rebinding = client.get("/api/health", headers={"host": "attacker.example"})
    assert rebinding.status_code == 400 and "unexpected Host" in rebinding.json()["error"]


# --------------------------------------------------------------------------- live server


class LiveServer:
    """The app under uvicorn on 127.0.0.1 and an ephemeral port, in a background thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> LiveServer:
        self.thread.start()
        end = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < end, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


def test_concurrent_uploads_from_two_tabs_do_not_mix(tmp_path: Path) -> None:
    app = create_app(tmp_path, reader=FakeReader())
    with LiveServer(app) as live, httpx.Client(base_url=live.url) as http:
        studies = [
            http.post("/api/studies", json={"title": t}).json()["id"] for t in ("tab1", "tab2")
        ]
        results: list[tuple[str, str, list[str]]] = []
        errors: list[str] = []

        def tab(study: str, stem: str) -> None:
            with httpx.Client(base_url=live.url, timeout=60) as own:
                for _ in range(4):
                    answer = own.post(
                        f"/api/studies/{study}/figures",
                        files=files(curve=f"{stem}_curve.csv", risk_table=f"{stem}_risk.csv"),
                        data={"trial": stem.upper()},
                    )
                    if answer.status_code != 201:
                        errors.append(answer.text)
                        continue
                    doc = answer.json()
                    results.append((study, doc["id"], [a["name"] for a in doc["arms"]]))

        jobs = [("alpha", studies[0]), ("beta", studies[1]), ("beta", studies[0])]
        threads = [threading.Thread(target=tab, args=(study, stem)) for stem, study in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == [] and len(results) == 12
        for study, figure, names in results:
            doc = http.get(f"/api/studies/{study}/figures/{figure}").json()
            assert [a["name"] for a in doc["arms"]] == names
            stem = "alpha" if names == ["Control", "Drug A"] else "beta"
            assert doc["trial"] == stem.upper()
        listed = {
            s: {f["id"] for f in http.get(f"/api/studies/{s}/figures").json()} for s in studies
        }
        assert len(listed[studies[0]]) == 8 and len(listed[studies[1]]) == 4
        assert listed[studies[0]].isdisjoint(listed[studies[1]])


def test_kmipd_serve_binds_loopback_and_prints_the_address(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "kmipd", "serve", "--port", "0", "--data-dir", str(tmp_path)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("kmipd serve: open http://127.0.0.1:"), line
        url = line.split()[3]
        end = time.monotonic() + 15
        while True:
            try:
                health = httpx.get(f"{url}api/health", timeout=2).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < end, "kmipd serve did not answer"
                time.sleep(0.1)
        assert health["status"] == "ok"
        assert (tmp_path / "kmipd-web.sqlite3").is_file()
        port = int(url.rsplit(":", 1)[1].strip("/"))
        busy = subprocess.run(
            [
                sys.executable,
                "-m",
                "kmipd",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert busy.returncode == 2 and f"port {port} on 127.0.0.1 is in use" in busy.stderr
    finally:
        process.terminate()
        process.wait(10)


def test_a_read_curves_precision_reaches_reconstruct() -> None:
    """An arm read by kmipd keeps its precision through corrections; one added by hand has none."""
    from kmipd.web._compute import arm_inputs

    arm = {
        "name": "A",
        "points": [[0, 1], [2, 1], [2, 0.8], [6, 0.8]],
        "risk": [{"time": 0, "n": 20}],
        "censor": [],
        "n": None,
        "events": None,
    }
    inputs = arm_inputs({"arms": [dict(arm, precision=0.0025), dict(arm, name="B")]})
    assert inputs["A"]["curve"].precision == 0.0025
    assert inputs["B"]["curve"].precision is None


@pytest.mark.skipif(not HAS_DIGITIZE, reason="kmipd.digitize (automatic figure reading) is missing")
def test_a_figure_of_two_panels_reads_the_first_and_then_the_panel_asked(tmp_path: Path) -> None:
    import io

    import numpy as np
    from PIL import Image

    figures = Path(__file__).parent / "data" / "figures"
    parts = [
        np.asarray(Image.open(figures / n).convert("RGB"))
        for n in ("act2_2b-jco.png", "actscc_2a-jco.png")
    ]
    buffer = io.BytesIO()
    Image.fromarray(np.concatenate(parts, axis=1)).save(buffer, format="PNG")
    with TestClient(create_app(tmp_path), base_url=BASE) as real:
        study = new_study(real)
        url = f"/api/studies/{study}/figures"
        response = real.post(url, files={"figure": ("ab.png", buffer.getvalue(), "image/png")})
        first = wait_ready(real, study, response.json()["id"], 120)
        again = real.post(f"{url}/{first['id']}/read", json={"panel": 2})
        assert again.status_code == 202, again.text
        second = wait_ready(real, study, first["id"], 120)
    assert (first["panel"], first["panels"]) == (1, 2) and (second["panel"], second["panels"]) == (
        2,
        2,
    )
    assert [a["name"] for a in first["arms"]] == ["mut_b", "mut_c"]
    assert [a["name"] for a in second["arms"]] == ["s_1", "uft_lv"]
    # the second panel's calibration is in the whole image's pixels: right of the first
    assert second["calibration"]["plot_area"]["left"] > parts[0].shape[1]


def test_event_totals_read_are_used_only_while_the_curve_can_hold_them() -> None:
    """A total the reader filled in and the user left is dropped, with a note, if unmet."""
    from kmipd.web._bundle import _events
    from kmipd.web._compute import reconstruct_figure

    arm = {
        "key": "a1",
        "name": "A",
        "points": [[0, 1], [2, 1], [2, 0.8], [5, 0.8], [5, 0.6], [8, 0.6]],
        "risk": [{"time": 0, "n": 10}, {"time": 4, "n": 8}, {"time": 8, "n": 6}],
        "censor": [],
        "n": None,
        "events": 9,  # read from the figure: the curve and table allow 2 to 4
        "events_read": 9,
    }
    other = dict(arm, key="a2", name="B", events=3, events_read=3)
    doc = {"kind": "curves", "arms": [arm, other]}
    out = reconstruct_figure(doc, {"landmarks": []})
    assert [a["events"] for a in out["arms"]] == [4, 3]
    assert any("A=9" in w and "could not be met" in w for w in out["warnings"])
    assert (_events(arm), _events(other)) == (None, 3)
    typed = dict(arm, events=9, events_read=None)  # a total the user typed is not dropped
    with pytest.raises(ReconstructionError):
        reconstruct_figure({"kind": "curves", "arms": [typed]}, {"landmarks": []})
    assert _events(typed) == 9
