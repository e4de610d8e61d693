"""kinema studio's API through Starlette's test client: parse, preview, generate with a tiny model, cancel,
errors, caps and the folder it owns."""

import json
import threading
import time

import numpy as np
import pytest
import torch
from starlette.testclient import TestClient

from dit.config import preset
from dit.checkpoint import save_generator
from dit.generator import GeneratorConfig, VideoGenerator
from hybrid.cli import main
from hybrid.errors import GenerationError
from hybrid.studio import app as studio_app
from hybrid.studio.app import MAX_BODY_BYTES, create_app
from hybrid.studio.workspace import Workspace
from mp4 import read_mp4

PROMPT = "a red ball rolls toward a tower of three cubes"
CUBE = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    torch.manual_seed(0)
    config = GeneratorConfig.from_captions([PROMPT], preset("tiny"), text_depth=1, text_heads=2, max_length=64)
    return str(save_generator(VideoGenerator(config), tmp_path_factory.mktemp("model") / "tiny"))


@pytest.fixture
def studio(tmp_path, tiny_model):
    app = create_app(model=tiny_model, workspace=Workspace(tmp_path / "studio"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        yield client


def wait(client, job_id: str, until=("done", "failed", "cancelled"), seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get(f"/api/jobs/{job_id}").json()
        if state["state"] in until:
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {state['state']} after {seconds} s")


def read_video(data: bytes, folder) -> np.ndarray:
    path = folder / f"read-{time.monotonic_ns()}.mp4"
    path.write_bytes(data)
    return read_mp4(path)


def test_the_page_and_its_files_are_served(studio):
    page = studio.get("/")
    assert page.status_code == 200 and "kinema studio" in page.text and "/static/studio.js" in page.text
    assert "function refresh" in studio.get("/static/studio.js").text


def test_parse_summarises_the_scene(studio):
    answer = studio.post("/api/parse", json={"prompt": PROMPT, "seed": 0}).json()
    summary = answer["summary"]
    assert [body["noun"] for body in summary["bodies"]] == ["ball", "cube", "cube", "cube"]
    assert summary["caption"] and summary["actions"] and summary["camera"]
    assert "bodies:" in answer["text"] and answer["warnings"] == []


def test_errors_are_the_clis_lines_with_the_scripts_line_and_field(studio):
    bad = studio.post("/api/parse", json={"script": "bodies:\n  - shape: sphere\n    mass: -1\n"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "scene.yaml:2: bodies[0]: noun is missing; add 'noun: ...'", "line": 2,
                          "field": "bodies[0]"}
    prompt = studio.post("/api/parse", json={"prompt": "a red ball floats zorbly"}).json()
    assert prompt["error"].startswith("unknown word 'floats'") and prompt["line"] is None
    for body, message in (({"prompt": "  "}, "write a prompt"), ({"prompt": PROMPT, "seed": -1}, "seed"),
                          ({"script": "bodies: [{noun: ball, mesh: ../../secret.obj}]"}, "outside")):
        answer = studio.post("/api/preview", json=body)
        assert answer.status_code == 400 and message in answer.json()["error"], answer.json()
    not_json = studio.post("/api/parse", content=b"not json", headers={"content-type": "application/json"})
    assert not_json.json() == {"error": "the request is not JSON"}
    nested = studio.post("/api/parse", content=b"[" * 100000, headers={"content-type": "application/json"})
    assert nested.status_code in (400, 500) and "error" in nested.json()  # JSON, one line, whatever fails


def test_requests_from_other_sites_and_other_host_names_are_refused(studio, tiny_model, tmp_path):
    form = studio.post("/api/generate", content=b'{"prompt": "a red ball"}', headers={"content-type": "text/plain"})
    assert form.status_code == 415  # what a cross-site form or no-cors fetch can send
    foreign = studio.post("/api/parse", json={"prompt": PROMPT}, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403 and "refused" in foreign.json()["error"]
    same = studio.post("/api/parse", json={"prompt": PROMPT}, headers={"origin": "http://127.0.0.1:8765"})
    assert same.status_code == 200
    app = create_app(model=tiny_model, workspace=Workspace(tmp_path / "other"))
    with TestClient(app, base_url="http://rebound.example") as rebound:  # a DNS name pointed at 127.0.0.1
        assert rebound.get("/api/library").status_code == 400


def test_no_message_names_the_studios_folders(studio, tmp_path):
    answer = studio.post("/api/parse", json={"script": "bodies: [{noun: ball, mesh: ../../secret.obj}]"}).json()
    assert str(tmp_path) not in json.dumps(answer) and "the studio's scene folder" in answer["error"]


def test_the_preview_is_the_physics_beside_its_controls(studio, tmp_path):
    answer = studio.post("/api/preview", json={"prompt": PROMPT})
    assert answer.status_code == 200 and answer.headers["content-type"] == "video/mp4"
    video = read_video(answer.content, tmp_path)
    assert video.shape[0] == 24 and video.shape[2] == 5 * 228  # 3 s at 8 fps; render + four controls at 128p
    timings = json.loads(answer.headers["x-kinema-timings"])
    assert {"simulate", "render", "total"} <= set(timings)


def test_a_library_scene_opens_and_an_uploaded_mesh_can_be_named(studio):
    scenes = studio.get("/api/library").json()
    assert "glass_shatters" in [scene["name"] for scene in scenes["scenes"]]
    script = studio.get("/api/library/glass_shatters").json()["script"]
    assert studio.post("/api/parse", json={"script": script}).status_code == 200
    assert studio.get("/api/library/nothing").status_code == 404
    uploaded = studio.put("/api/meshes/pyramid.obj", content=CUBE.encode()).json()
    assert uploaded["mesh"] == "meshes/pyramid.obj" and "meshes/pyramid.obj" in uploaded["meshes"]
    custom = "bodies:\n  - {noun: rock, mesh: meshes/pyramid.obj, colour: grey}\n"
    assert studio.post("/api/parse", json={"script": custom}).status_code == 200
    for name in ("..%2Fevil.obj", "evil.py", ".hidden.obj"):
        assert studio.put(f"/api/meshes/{name}", content=b"v 0 0 0").status_code in (400, 404)


def test_request_bodies_are_capped(studio):
    huge = studio.post("/api/parse", content=b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}",
                       headers={"content-type": "application/json"})
    assert huge.status_code == 413 and "at most" in huge.json()["error"]
    mesh = studio.put("/api/meshes/big.obj", content=b"v 0 0 0\n" * (64 * 2**20 // 8 + 1))
    assert mesh.status_code == 413


def test_generate_runs_the_model_and_offers_every_file(studio, tmp_path):
    job = studio.post("/api/generate", json={"prompt": PROMPT, "steps": 1, "seed": 3}).json()["job"]
    assert job["state"] in ("queued", "running")
    state = wait(studio, job["id"])
    assert state["state"] == "done", state
    files = state["result"]["files"]
    assert set(files) == {"video.mp4", "video.preview.mp4", "video.gif", "video.json", "scene.json"}
    video = studio.get(f"/api/jobs/{job['id']}/files/video.mp4")
    assert video.status_code == 200 and read_video(video.content, tmp_path).shape[0] == 24
    sidecar = studio.get(f"/api/jobs/{job['id']}/files/video.json").json()
    assert sidecar["parameters"]["seed"] == 3 and sidecar["parameters"]["steps"] == 1
    assert studio.get(f"/api/jobs/{job['id']}/files/../../etc/passwd").status_code == 404
    assert studio.get(f"/api/jobs/{job['id']}/files/model.safetensors").status_code == 404


def test_a_prompt_is_generated_as_the_scene_it_previewed_never_as_a_library_name(studio):
    from scenes.parser import parse_prompt

    job = studio.post("/api/generate", json={"prompt": "dominoes", "steps": 1}).json()["job"]
    assert wait(studio, job["id"])["state"] == "done"
    sidecar = studio.get(f"/api/jobs/{job['id']}/files/video.json").json()
    assert len(sidecar["graph"]["bodies"]) == len(parse_prompt("dominoes").bodies)  # not the library's dominoes


def test_a_scripts_generation_offers_the_script_and_compare_scores_both_runs(studio, tmp_path):
    script = studio.get("/api/library/glass_shatters").json()["script"].replace("duration: 3 s", "duration: 1 s")
    job = studio.post("/api/generate", json={"script": script, "steps": 1}).json()["job"]
    state = wait(studio, job["id"])
    assert state["state"] == "done" and "scene.yaml" in state["result"]["files"], state
    assert studio.get(f"/api/jobs/{job['id']}/files/scene.yaml").text == script
    compare = studio.post("/api/compare", json={"prompt": PROMPT, "steps": 1, "baseline": "first-frame"}).json()
    state = wait(studio, compare["job"]["id"])
    assert state["state"] == "done", state
    assert set(state["result"]["metrics"]) == {"all controls", "first-frame"}
    assert set(state["result"]["metrics"]["first-frame"]) == set(state["result"]["metric_names"])
    side = read_video(studio.get(f"/api/jobs/{compare['job']['id']}/files/compare.mp4").content, tmp_path)
    assert side.shape[0] == 24


def test_jobs_run_one_at_a_time_and_a_cancelled_one_leaves_no_files(studio, monkeypatch):
    started, release = threading.Event(), threading.Event()

    def slow_job(job, space, model, device):
        (job.folder / "video.mp4").write_bytes(b"partial")  # what a cancel must not leave behind
        started.set()
        while True:
            job.report("denoise", 0, 2)  # raises once cancelled
            release.wait(0.01)

    monkeypatch.setattr(studio_app, "_run", slow_job)
    first = studio.post("/api/generate", json={"prompt": PROMPT, "steps": 1}).json()["job"]
    second = studio.post("/api/generate", json={"prompt": PROMPT, "steps": 1}).json()["job"]
    assert started.wait(30)
    queued = studio.get(f"/api/jobs/{second['id']}").json()
    assert queued["state"] == "queued" and queued["position"] == 1  # one generation at a time
    assert studio.post(f"/api/jobs/{second['id']}/cancel").json()["state"] == "cancelled"
    assert studio.get(f"/api/jobs/{first['id']}").json()["stage"] == "denoise"
    studio.post(f"/api/jobs/{first['id']}/cancel")
    assert wait(studio, first["id"])["state"] == "cancelled"
    space = studio.app.state.workspace
    assert not space.job_folder(first["id"]).exists() and not space.job_folder(second["id"]).exists()
    assert studio.get(f"/api/jobs/{first['id']}/files/video.mp4").status_code == 404


def test_a_failed_job_is_one_line_and_leaves_no_files(studio, monkeypatch):
    def failing_job(job, space, model, device):
        (job.folder / "video.mp4").write_bytes(b"partial")
        raise GenerationError(f"the model in {space.root}/x broke\nbadly")

    monkeypatch.setattr(studio_app, "_run", failing_job)
    job = studio.post("/api/generate", json={"prompt": PROMPT}).json()["job"]
    state = wait(studio, job["id"])
    assert state["state"] == "failed" and state["error"] == "the model in x broke badly"
    assert not studio.app.state.workspace.job_folder(job["id"]).exists()


def test_bad_generation_requests_are_refused_before_the_queue(studio):
    for body, message in (({"prompt": PROMPT, "steps": 0}, "steps"), ({"prompt": PROMPT, "baseline": "x"}, "baseline"),
                          ({"prompt": "a red ball floats"}, "unknown word")):
        answer = studio.post("/api/generate", json=body)
        assert answer.status_code == 400 and message in answer.json()["error"]
    assert studio.get("/api/jobs/9999").status_code == 404
    long = studio.post("/api/generate", json={"script": "duration: 30 s\nbodies: [{noun: ball, colour: red}]\n"})
    assert long.status_code == 400 and "at most 16 s" in long.json()["error"]


def test_the_studio_binds_to_loopback_unless_told_and_checks_its_model_first(capsys, tmp_path):
    assert main(["studio", "--host", "0.0.0.0"]) == 2
    error = capsys.readouterr().err
    assert "--allow-remote" in error and error.count("\n") == 1
    assert main(["studio", "--model", str(tmp_path / "none")]) == 2
    assert "no checkpoint at" in capsys.readouterr().err
