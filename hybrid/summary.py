"""A human-readable summary of a scene graph, for `kinema parse` and `kinema check`."""

from scenes.caption import caption
from scenes.graph import SceneGraph


def _vector(values) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in values) + ")"


def summarize(graph: SceneGraph) -> str:
    settings, path = graph.settings, graph.camera.path
    motion = path.motion + (f" {path.direction}" if path.direction else "") + (f" {path.target}" if path.target else "")
    lines = [f"scene: {len(graph.bodies)} bodies, {settings.duration:g} s, seed {settings.seed}, camera {motion}"]
    ground = graph.ground
    lines.append(f"ground: {ground.colour.name} {ground.material.name} ({ground.texture})")
    backdrop = graph.backdrop
    lines.append(f"backdrop: {backdrop.sky} sky" if backdrop.kind == "sky" else
                 f"backdrop: {backdrop.colour.name} {'back wall' if backdrop.kind == 'wall' else 'room corner'}"
                 + (f" on the {backdrop.side}" if backdrop.kind == "corner" else ""))
    lines.append("bodies:")
    width = max(len(body.id) for body in graph.bodies)
    for body in graph.bodies:
        what = f"{body.colour.name} {body.material.name} {body.noun}" + (" (static)" if body.static else "")
        breaks = f"  breaks into {body.breakable.pieces} pieces past {body.break_threshold:g} m/s" \
            if body.breakable else ""
        lines.append(f"  {body.id:<{width}}  {what:<28} {body.shape:<8} size {_vector(body.size)} m  "
                     f"{body.mass:.3g} kg  at {_vector(body.position)}  v {_vector(body.linear_velocity)}{breaks}")
    if graph.relations:
        lines.append("relations:")
        lines += [f"  {r.subject} {r.relation} {r.object}" for r in graph.relations]
    if graph.actions:
        lines.append("actions:")
        for a in graph.actions:
            details = [f"{k}={v}" for k, v in a.model_dump(exclude={"subject", "action"}).items() if v not in (None, False)]
            lines.append(f"  {a.subject} {a.action} " + " ".join(details))
    if graph.events:
        lines.append("events:")
        lines += [f"  frame {e.frame}: {e.body} " + ("let go (held still until then)" if e.release and not any(e.impulse)
                                                    else f"impulse {_vector(e.impulse)} N*s") for e in graph.events]
    lines.append(f"camera: eye {_vector(graph.camera.eye)} looking at {_vector(graph.camera.look_at)}")
    lines.append(f"caption: {caption(graph)}")
    return "\n".join(lines)
