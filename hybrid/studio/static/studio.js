// kinema studio: edit a prompt or a scene script, see its parse and physics preview after each edit (debounced),
// and run the model on demand through the server's one-at-a-time queue.
"use strict";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 400;
const POLL_MS = 500;
// share of a generation each stage takes, for one progress bar over the whole job
const STAGES = { queued: [0, 0], load: [0, 0.05], physics: [0.05, 0.1], denoise: [0.15, 0.7], decode: [0.85, 0.1],
                 write: [0.95, 0.05], score: [0.95, 0.05], done: [1, 0] };
let mode = "prompt";
let edits = 0;          // which edit a response belongs to: a stale one is dropped
let timer = null;
let job = null;         // the job being followed
let previewUrl = null;

function scene() {
  const seed = parseInt($("seed").value, 10);
  const body = Number.isFinite(seed) ? { seed } : {};  // none: a prompt's seed 0, a script's own
  if (mode === "script") body.script = $("script").value; else body.prompt = $("prompt").value;
  return body;
}

async function post(url, body) {
  return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

async function reply(response) {
  // the server answers JSON; anything else (a proxy's page, a dropped connection) becomes one line too
  try { return await response.json(); } catch (error) { return { error: `the studio answered ${response.status}` }; }
}

function say(kind, text) {
  const line = document.createElement("div");
  line.className = kind;
  line.textContent = `${kind}: ${text}`;
  $("messages").appendChild(line);
}

function showError(error) {
  say("error", error.error);
  markLine(error.line);
}

function markLine(bad) {
  const count = Math.max(1, $("script").value.split("\n").length);
  $("gutter").innerHTML = "";
  for (let line = 1; line <= count; line++) {
    const number = document.createElement("div");
    number.textContent = line;
    if (line === bad) number.className = "bad";
    $("gutter").appendChild(number);
  }
}

function edited() {
  edits += 1;
  markLine(null);
  clearTimeout(timer);
  timer = setTimeout(refresh, DEBOUNCE_MS);
}

async function refresh() {
  const mine = edits;
  const body = scene();
  $("messages").innerHTML = "";
  if (!(body.script || body.prompt || "").trim()) {
    $("summary").textContent = "Type a prompt or a scene script.";
    $("preview").removeAttribute("src");
    return;
  }
  const parsed = await post("/api/parse", body);
  const answer = await reply(parsed);
  if (mine !== edits) return;
  if (!parsed.ok) { showError(answer); return; }
  answer.warnings.forEach((warning) => say("warning", warning));
  showSummary(answer.summary);
  const started = performance.now();
  const preview = await post("/api/preview", body);
  if (mine !== edits) return;
  if (!preview.ok) { showError(await reply(preview)); return; }
  const blob = await preview.blob();
  if (mine !== edits) return;  // a newer edit's preview may be on its way
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(blob);
  $("preview").src = previewUrl;
  const timings = JSON.parse(preview.headers.get("X-Kinema-Timings") || "{}");
  $("preview-time").textContent = `(${((performance.now() - started) / 1000).toFixed(2)} s; server ` +
    `${(timings.total || 0).toFixed(2)} s)`;
}

function showSummary(summary) {
  const rows = summary.bodies.map((b) =>
    `<tr><td>${escape(b.id)}</td><td>${escape(`${b.colour} ${b.material} ${b.noun}`)}` +
    `${b.static ? " (static)" : ""}${b.breakable ? `, breaks into ${b.breakable}` : ""}</td>` +
    `<td>${escape(b.shape)}</td><td>${b.size.join(" x ")} m</td><td>${b.mass} kg</td>` +
    `<td>(${b.position.join(", ")})</td></tr>`).join("");
  const list = (title, items) => items.length ? `<p><b>${title}:</b> ${items.map(escape).join("; ")}</p>` : "";
  $("summary").innerHTML =
    `<table><tr><th>body</th><th>what</th><th>shape</th><th>size</th><th>mass</th><th>at</th></tr>${rows}</table>` +
    list("relations", summary.relations) + list("actions", summary.actions) + list("events", summary.events) +
    `<p><b>camera:</b> ${escape(summary.camera)}; ${summary.duration} s, seed ${summary.seed}</p>` +
    `<p><b>caption:</b> ${escape(summary.caption)}</p>`;
}

function escape(text) {
  const node = document.createElement("span");
  node.textContent = text;
  return node.innerHTML;
}

async function start(kind) {
  const body = { ...scene(), steps: parseInt($("steps").value, 10) || 20, baseline: $("baseline").value };
  const answer = await post(`/api/${kind}`, body);
  const data = await reply(answer);
  $("messages").innerHTML = "";
  if (!answer.ok) { showError(data); return; }
  job = data.job.id;
  $("job").hidden = false;
  $("result").hidden = true;
  $("cancel").disabled = false;
  follow(job);
}

async function follow(id) {
  if (id !== job) return;
  let state;
  try {
    state = await (await fetch(`/api/jobs/${id}`)).json();
  } catch (error) {  // the server is busy or restarting: try again
    setTimeout(() => follow(id), 4 * POLL_MS);
    return;
  }
  const stage = state.stage.replace(/^.*: /, "");
  const [base, share] = STAGES[stage] || [0, 0];
  $("progress").value = Math.min(1, base + share * (state.done / state.total));
  const waiting = state.state === "queued" ? ` (${state.position} ahead in the queue)` : "";
  $("stage").textContent = state.state === "done" ? `done in ${state.seconds.toFixed(1)} s` :
    `${state.state}: ${state.stage} ${state.done + 1}/${state.total}${waiting}`;
  if (state.state === "queued" || state.state === "running") { setTimeout(() => follow(id), POLL_MS); return; }
  $("cancel").disabled = true;
  if (state.state === "failed") say("error", state.error);
  if (state.state === "done") showResult(id, state);
}

function showResult(id, state) {
  const file = (name) => `/api/jobs/${id}/files/${name}`;
  $("result").hidden = false;
  $("video").src = file(state.result.video);
  $("sidebyside").hidden = !state.result.preview;
  if (state.result.preview) $("sidebyside").src = file(state.result.preview);
  $("downloads").innerHTML = "Download: " +
    state.result.files.map((name) => `<a href="${file(name)}" download>${escape(name)}</a>`).join("");
  const metrics = state.result.metrics;
  if (!metrics) { $("metrics").innerHTML = ""; return; }
  const runs = Object.keys(metrics);
  $("metrics").innerHTML = `<tr><th>metric</th>${runs.map((run) => `<th>${run}</th>`).join("")}</tr>` +
    state.result.metric_names.map((name) => `<tr><td>${name}</td>${runs.map((run) =>
      `<td>${metrics[run][name] === null ? "n/a" : metrics[run][name]}</td>`).join("")}</tr>`).join("");
}

function setMode(next) {
  mode = next;
  $("tab-prompt").classList.toggle("active", mode === "prompt");
  $("tab-script").classList.toggle("active", mode === "script");
  $("prompt-pane").hidden = mode !== "prompt";
  $("script-pane").hidden = mode !== "script";
  edited();
}

async function openLibrary(name) {
  if (!name) return;
  const answer = await (await fetch(`/api/library/${encodeURIComponent(name)}`)).json();
  $("script").value = answer.script;
  setMode("script");
}

async function uploadMesh(input) {
  const chosen = input.files[0];
  if (!chosen) return;
  const answer = await fetch(`/api/meshes/${encodeURIComponent(chosen.name)}`, { method: "PUT", body: chosen });
  const data = await answer.json();
  if (!answer.ok) { say("error", data.error); return; }
  showMeshes(data.meshes);
  say("warning", `added ${data.mesh}: name it in a body as mesh: ${data.mesh}`);
}

function showMeshes(meshes) {
  $("meshes").textContent = meshes.length ? `meshes a script may name: ${meshes.join(", ")}` : "";
}

async function init() {
  const library = await (await fetch("/api/library")).json();
  for (const entry of library.scenes) {
    const option = document.createElement("option");
    option.value = entry.name;
    option.textContent = `${entry.name}: ${entry.description}`.slice(0, 90);
    $("library").appendChild(option);
  }
  showMeshes(library.meshes);
  $("prompt").addEventListener("input", edited);
  $("script").addEventListener("input", edited);
  $("script").addEventListener("scroll", () => { $("gutter").scrollTop = $("script").scrollTop; });
  $("seed").addEventListener("input", edited);
  $("tab-prompt").addEventListener("click", () => setMode("prompt"));
  $("tab-script").addEventListener("click", () => setMode("script"));
  $("library").addEventListener("change", (event) => openLibrary(event.target.value));
  $("mesh").addEventListener("change", (event) => uploadMesh(event.target));
  $("generate").addEventListener("click", () => start("generate"));
  $("compare").addEventListener("click", () => start("compare"));
  $("cancel").addEventListener("click", () => job && post(`/api/jobs/${job}/cancel`, {}));
  markLine(null);
}

init();
