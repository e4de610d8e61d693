"""kinema studio's web app (Starlette): one static page and a JSON API over the same functions as the CLI.

    POST /api/parse      {prompt | script, seed}      -> the scene's summary, or the CLI's one-line error
    POST /api/preview    {prompt | script, seed}      -> MP4: render | depth | segmentation | flow | uv (no model)
    POST /api/generate   {prompt | script, seed, steps} -> a queued job
    POST /api/compare    {..., baseline}              -> a queued job: all controls against none / first frame
    GET  /api/jobs/ID, POST /api/jobs/ID/cancel, GET /api/jobs/ID/files/NAME
    GET  /api/library, /api/library/NAME; PUT /api/meshes/NAME.obj (the body is the file)

Bodies are capped (MAX_BODY_BYTES, meshes MAX_MESH_BYTES); every error is `{"error": line}` (with `line` and
`field` for a script's `scene.yaml:LINE: FIELD: ...`), status 400 (413 for a body too large).
"""

import contextlib
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dit.errors import DiTError
from fileio import UserFileError
from hybrid.errors import GenerationError
from hybrid.filming import film
from hybrid.pipeline import MAX_SECONDS
from hybrid.preview import control_images, label_columns
from hybrid.studio.jobs import Job, JobQueue
from hybrid.studio import LOOPBACK_HOSTS
from hybrid.studio.workspace import MAX_MESH_BYTES, SCRIPT, Workspace
from hybrid.summary import summarize
from hybrid.video import write_video
from scenes.caption import caption
from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.parser import parse_prompt
from scenes.script import library_scripts, script_description
from scenes.seeding import check_seed
from sim.camera import resolution
from sim.errors import SimError

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 2 * 2**20  # a request is a prompt or a script (scripts are at most 1 MiB)
PREVIEW_SIZE = 128  # pixels, the preview's shorter side
PREVIEW_FPS = 8
MAX_STEPS = 200  # the page's sampler steps; the CLI allows more
USER_ERRORS = (SceneError, SimError, GenerationError, DiTError, UserFileError, ValueError)
LOCATED = re.compile(rf"^{re.escape(SCRIPT)}:(\d+): ([^:]+): ")
FILE_NAMES = {"video": "video.mp4", "preview": "video.preview.mp4", "gif": "video.gif", "sidecar": "video.json"}
KEY_METRICS = ("mask_iou", "centroid_error_px", "presence", "relation_compliance", "psnr", "ssim", "motion_ratio")


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def create_app(model: str = "default", device: str = "cpu", workspace: Workspace | None = None,
               hosts: tuple[str, ...] = LOOPBACK_HOSTS) -> Starlette:
    """The studio for `model` (kinema's shipped one, or a checkpoint folder) on `device`, answering requests
    addressed to `hosts` only (a page on another site, or a DNS name rebound to this machine, is refused).
    Without `workspace` it makes a temporary one and removes it when the app shuts down."""
    space = workspace or Workspace()
    jobs = JobQueue(lambda job: _run(job, space, model, device), lambda error: _one_line(error, space))

    async def body(request: Request, cap: int = MAX_BODY_BYTES) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise BadRequest(f"the request is {int(declared)} bytes; the studio takes at most {cap}", 413)
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > cap:
                raise BadRequest(f"the request is over {cap} bytes; the studio takes at most {cap}", 413)
        return bytes(data)

    async def fields(request: Request) -> dict:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise BadRequest("send the request as application/json", 415)  # a cross-site form cannot
        try:
            data = json.loads(await body(request) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequest("the request is not JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("the request must be a JSON object")
        return data

    def scene_of(data: dict) -> SceneGraph:
        seed = data.get("seed")
        if seed is not None:
            check_seed(seed)
        if isinstance(data.get("script"), str) and data["script"].strip():
            return space.load(data["script"], seed=seed)
        prompt = data.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadRequest("write a prompt, e.g. \"a red ball rolls toward a tower of three cubes\", or a scene "
                             "script")
        return parse_prompt(prompt, seed=0 if seed is None else seed)

    def handled(endpoint):
        async def wrapped(request: Request) -> Response:
            origin = request.headers.get("origin")
            if origin is not None and origin.split("://", 1)[-1] != request.headers.get("host"):
                return JSONResponse({"error": f"requests from {origin} are refused; use the studio's own page"},
                                    status_code=403)
            try:
                return await endpoint(request)
            except BadRequest as error:
                return JSONResponse({"error": str(error)}, status_code=error.status)
            except USER_ERRORS as error:
                return JSONResponse(_located(_one_line(error, space)), status_code=400)
            except Exception as error:  # noqa: BLE001  (the page shows every failure as one line)
                return JSONResponse({"error": _one_line(error, space), "line": None, "field": None},
                                    status_code=500)
        return wrapped

    async def parse(request: Request) -> Response:
        graph = await run_in_threadpool(scene_of, await fields(request))
        return JSONResponse({"summary": scene_summary(graph), "text": summarize(graph),
                             "warnings": list(graph.warnings)})

    async def preview(request: Request) -> Response:
        return await run_in_threadpool(physics_preview, await fields(request))

    def physics_preview(data: dict) -> Response:
        """The MP4 of render | depth | segmentation | flow | uv, made off the event loop (filming takes a lock
        a running job may hold)."""
        graph = scene_of(data)
        started = time.perf_counter()
        width, height = resolution(PREVIEW_SIZE, "16:9")
        filmed = film(graph, max(1, round(graph.settings.duration * PREVIEW_FPS)), PREVIEW_FPS, width, height,
                      graph.settings.seed)
        frames = filmed.frames
        strip = label_columns(dict(zip(("render", "depth", "segmentation", "flow", "uv"),
                                       (frames.rgb, *control_images(frames)))))
        path = space.root / f"preview-{time.monotonic_ns()}.mp4"
        try:
            write_video(path, strip, PREVIEW_FPS)
            data = path.read_bytes()
        finally:
            path.unlink(missing_ok=True)
        seconds = time.perf_counter() - started
        timings = {**{k: round(v, 3) for k, v in filmed.timings.items()}, "total": round(seconds, 3)}
        return Response(data, media_type="video/mp4", headers={"X-Kinema-Timings": json.dumps(timings)})

    async def submit(request: Request, kind: str) -> Response:
        data = await fields(request)
        graph = await run_in_threadpool(scene_of, data)  # a bad scene is refused now, not in the queue
        if graph.settings.duration > MAX_SECONDS:
            raise BadRequest(f"the scene lasts {graph.settings.duration:g} s, but videos are at most "
                             f"{MAX_SECONDS:g} s; make it shorter")
        steps = data.get("steps", 20)
        if not (isinstance(steps, int) and not isinstance(steps, bool) and 1 <= steps <= MAX_STEPS):
            raise BadRequest(f"steps must be a whole number from 1 to {MAX_STEPS}, got {steps!r}")
        baseline = data.get("baseline", "none")
        if baseline not in ("none", "first-frame"):
            raise BadRequest(f"the comparison's baseline is none or first-frame, got {baseline!r}")
        script = data.get("script") if isinstance(data.get("script"), str) and data["script"].strip() else None
        request_record = {"graph": graph, "script": script, "seed": graph.settings.seed, "steps": steps,
                          "baseline": baseline}  # the scene as previewed: never read again as a path or a name
        job = jobs.submit(kind, request_record, space.job_folder)
        return JSONResponse({"job": job.record(jobs.position(job))})

    async def generate(request: Request) -> Response:
        return await submit(request, "generate")

    async def compare(request: Request) -> Response:
        return await submit(request, "compare")

    def job_of(request: Request) -> Job:
        job = jobs.get(request.path_params["job"])
        if job is None:
            raise BadRequest(f"no job {request.path_params['job']!r}", 404)
        return job

    async def job_state(request: Request) -> Response:
        job = job_of(request)
        return JSONResponse(job.record(jobs.position(job)))

    async def cancel(request: Request) -> Response:
        job = job_of(request)
        jobs.cancel(job)
        return JSONResponse(job.record(jobs.position(job)))

    async def job_file(request: Request) -> Response:
        job = job_of(request)
        name = request.path_params["name"]
        if job.state != "done" or name not in job.result.get("files", []):
            raise BadRequest(f"job {job.id} has no file {name!r}", 404)
        return FileResponse(job.folder / name, filename=name)

    async def library(request: Request) -> Response:
        return JSONResponse({"scenes": [{"name": path.stem, "description": script_description(path)}
                                        for path in library_scripts()], "meshes": space.meshes()})

    async def library_scene(request: Request) -> Response:
        scripts = {path.stem: path for path in library_scripts()}
        name = request.path_params["name"]
        if name not in scripts:
            raise BadRequest(f"no library scene {name!r}; the library has {', '.join(scripts)}", 404)
        return JSONResponse({"name": name, "script": scripts[name].read_text(encoding="utf-8")})

    async def upload_mesh(request: Request) -> Response:
        path = space.save_mesh(request.path_params["name"], await body(request, MAX_MESH_BYTES))
        return JSONResponse({"mesh": path, "meshes": space.meshes()})

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    routes = [
        Route("/", page),
        Route("/api/parse", handled(parse), methods=["POST"]),
        Route("/api/preview", handled(preview), methods=["POST"]),
        Route("/api/generate", handled(generate), methods=["POST"]),
        Route("/api/compare", handled(compare), methods=["POST"]),
        Route("/api/jobs/{job}", handled(job_state)),
        Route("/api/jobs/{job}/cancel", handled(cancel), methods=["POST"]),
        Route("/api/jobs/{job}/files/{name}", handled(job_file)),
        Route("/api/library", handled(library)),
        Route("/api/library/{name}", handled(library_scene)),
        Route("/api/meshes/{name}", handled(upload_mesh), methods=["PUT"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await run_in_threadpool(jobs.stop)  # a running generation is cancelled before its next sampler step
        if workspace is None:
            shutil.rmtree(space.root, ignore_errors=True)

    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))])
    app.state.jobs, app.state.workspace = jobs, space
    return app


def scene_summary(graph: SceneGraph) -> dict:
    """The parsed scene as the page lists it: bodies, relations, actions, events, camera and caption."""
    path = graph.camera.path
    return {
        "duration": graph.settings.duration, "seed": graph.settings.seed,
        "bodies": [{"id": b.id, "noun": b.noun, "colour": b.colour.name, "material": b.material.name,
                    "shape": b.shape, "size": [round(v, 3) for v in b.size], "mass": round(b.mass, 3),
                    "position": [round(v, 3) for v in b.position], "static": b.static,
                    "velocity": [round(v, 3) for v in b.linear_velocity],
                    "breakable": None if not b.breakable else b.breakable.pieces} for b in graph.bodies],
        "relations": [f"{r.subject} {r.relation} {r.object}" for r in graph.relations],
        "actions": [" ".join([a.subject, a.action, *(f"{k}={v}" for k, v in a.model_dump(
            exclude={"subject", "action"}).items() if v not in (None, False))]) for a in graph.actions],
        "events": [f"frame {e.frame}: {e.body}" for e in graph.events],
        "camera": " ".join(part for part in (path.motion, path.direction, path.target) if part),
        "caption": caption(graph),
    }


def _one_line(error: BaseException, space: Workspace) -> str:
    """The one line the page shows for `error`: the CLI's message, without the studio's own paths."""
    if isinstance(error, USER_ERRORS):
        text = str(error)
    elif isinstance(error, OSError):
        text = f"{error.strerror or error}; the studio could not write its files"
    else:
        text = f"internal error ({type(error).__name__}: {error}); please report it"
    return space.scrub(" ".join(text.splitlines()))


def _located(message: str) -> dict:
    """{"error", "line", "field"}: a script's `scene.yaml:LINE: FIELD: ...` points at its line and field."""
    match = LOCATED.match(message)
    return {"error": message, "line": int(match[1]) if match else None, "field": match[2] if match else None}


def _run(job: Job, space: Workspace, model: str, device: str) -> dict:
    """A job's work on the queue's thread; returns what the page may download (and the comparison's table)."""
    from hybrid.generation import generate, pipeline

    request = job.request
    if job.kind == "compare":
        job.report("load", 0, 1)
        return _compare(job, pipeline(model, device))
    generate(request["graph"], out=job.folder / FILE_NAMES["video"], steps=request["steps"], seed=request["seed"],
             model=model, device=device, gif=True, on_progress=job.report)
    script = "scene.yaml" if request["script"] else "scene.json"
    (job.folder / script).write_text(request["script"] or request["graph"].to_json(), encoding="utf-8")
    return {"files": [*FILE_NAMES.values(), script], "video": FILE_NAMES["video"], "preview": FILE_NAMES["preview"]}


def _compare(job: Job, pipe) -> dict:
    """The scene with all controls and with the baseline (none, or the first frame), side by side, scored."""
    from hybrid.metrics import score_all

    runs, table = {}, {}
    for label, controls, first_frame in (("all controls", None, False),
                                         (job.request["baseline"], (), job.request["baseline"] == "first-frame")):
        def report(stage, done, total, label=label):
            job.report(f"{label}: {stage}", done, total)
        result = pipe(job.request["graph"], num_steps=job.request["steps"], seed=job.request["seed"],
                      controls=controls, first_frame=first_frame, on_progress=report)
        job.report("score", 0, 1)
        scores = score_all(result.video, result.frames, result.rollout, result.graph, None)
        runs[label], table[label] = result, {name: _finite(scores[name]) for name in KEY_METRICS}
    truth = next(iter(runs.values()))
    columns = {"simulator": truth.frames.rgb, **{label: result.video for label, result in runs.items()}}
    write_video(job.folder / "compare.mp4", label_columns(columns), truth.rollout.fps)
    return {"files": ["compare.mp4"], "video": "compare.mp4", "metrics": table, "metric_names": list(KEY_METRICS)}


def _finite(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 4)
