"""`SceneGraph`: a typed wrapper over `networkx.MultiDiGraph`.

Nodes are bodies (by id), the ground ("ground"), the camera ("camera") and lights; edges from a body are
its relations (key = relation name) and actions (key = action name) towards another node. The graph is the
one scene representation every package reads; `to_dict`/`from_dict` round-trip it through JSON.
"""

import json
from collections.abc import Iterator
from typing import Any

import networkx as nx
from pydantic import ValidationError

from scenes.errors import SceneError
from scenes.schema import (
    RESERVED_IDS, Action, Backdrop, Body, Camera, Event, Ground, Light, Relation, SceneDocument, Settings,
)


class SceneGraph:
    """Bodies, ground, camera and lights as nodes; relations and actions as edges."""

    def __init__(self, ground: Ground, camera: Camera | None = None, settings: Settings | None = None,
                 backdrop: Backdrop | None = None):
        self.nx = nx.MultiDiGraph()
        self.settings = settings or Settings()
        self.backdrop = backdrop or Backdrop()
        self.events: list[Event] = []
        self.warnings: list[str] = []  # what the parser ignored (not part of the scene: never serialised)
        self.nx.add_node("ground", kind="ground", record=ground)
        self.nx.add_node("camera", kind="camera", record=camera or Camera())

    # --- nodes -------------------------------------------------------------------------------------
    @property
    def ground(self) -> Ground:
        return self.nx.nodes["ground"]["record"]

    @ground.setter
    def ground(self, ground: Ground) -> None:
        self.nx.nodes["ground"]["record"] = _valid(ground, "the ground")

    @property
    def camera(self) -> Camera:
        return self.nx.nodes["camera"]["record"]

    @camera.setter
    def camera(self, camera: Camera) -> None:
        self.nx.nodes["camera"]["record"] = _valid(camera, "the camera")

    def _records(self, kind: str) -> Iterator[Any]:
        return (data["record"] for _, data in self.nx.nodes(data=True) if data["kind"] == kind)

    @property
    def bodies(self) -> list[Body]:
        """Bodies in graph order (the order they were added: body k of the simulator is bodies[k-1])."""
        return list(self._records("body"))

    @property
    def lights(self) -> list[Light]:
        return list(self._records("light"))

    def body(self, body_id: str) -> Body:
        data = self.nx.nodes.get(body_id)
        if data is None or data["kind"] != "body":
            raise SceneError(f"no body named {body_id!r}; bodies are: {', '.join(self.body_ids) or 'none'}")
        return data["record"]

    @property
    def body_ids(self) -> list[str]:
        return [body.id for body in self.bodies]

    def add_body(self, body: Body) -> Body:
        if body.id in self.nx or body.id in RESERVED_IDS:
            raise SceneError(f"the id {body.id!r} is used twice; give every body its own id")
        self.nx.add_node(body.id, kind="body", record=body)
        return body

    def replace_body(self, body: Body) -> None:
        """Store an updated record for an existing body (records are values; layout makes new ones)."""
        self.body(body.id)
        self.nx.nodes[body.id]["record"] = _valid(body, body.id)

    def add_light(self, light: Light) -> Light:
        if light.id in self.nx:
            raise SceneError(f"the id {light.id!r} is used twice; give every light its own id")
        self.nx.add_node(light.id, kind="light", record=light)
        return light

    # --- edges -------------------------------------------------------------------------------------
    def add_relation(self, relation: Relation) -> Relation:
        self._check_endpoints(relation.subject, relation.object, relation.relation, allow_ground=True)
        if relation.subject == relation.object:
            raise SceneError(f"{relation.subject} cannot be {relation.relation.replace('_', ' ')} itself")
        if relation in self.relations:
            return relation
        self.nx.add_edge(relation.subject, relation.object, key=relation.relation, kind="relation",
                         record=relation)
        return relation

    def add_action(self, action: Action) -> Action:
        target = action.target or "ground"
        self._check_endpoints(action.subject, target, action.action, allow_ground=True)
        if self.body(action.subject).static:
            raise SceneError(f"{action.subject} is static, so it cannot {action.action}; remove 'static'")
        if action.subject == target:
            raise SceneError(f"{action.subject} cannot {action.action} toward itself")
        self.nx.add_edge(action.subject, target, key=action.action, kind="action", record=action)
        return action

    def remove_action(self, action: Action) -> None:
        self.nx.remove_edge(action.subject, action.target or "ground", key=action.action)

    def replace_action(self, old: Action, new: Action) -> Action:
        """Put `new` in place of `old` (records are values: a changed action is a new edge)."""
        self.remove_action(old)
        return self.add_action(new)

    def _check_endpoints(self, subject: str, obj: str, what: str, allow_ground: bool) -> None:
        self.body(subject)
        if not (obj == "ground" and allow_ground):
            self.body(obj)

    def _edges(self, kind: str) -> list[Any]:
        return [data["record"] for _, _, data in self.nx.edges(data=True) if data["kind"] == kind]

    @property
    def relations(self) -> list[Relation]:
        return self._edges("relation")

    @property
    def actions(self) -> list[Action]:
        return self._edges("action")

    def add_event(self, event: Event) -> Event:
        self.body(event.body)
        self.events.append(event)
        return event

    # --- serialisation -----------------------------------------------------------------------------
    def to_document(self) -> SceneDocument:
        return SceneDocument(
            settings=self.settings, ground=self.ground, backdrop=self.backdrop, camera=self.camera,
            lights=self.lights, bodies=self.bodies, relations=self.relations, actions=self.actions, events=self.events,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict holding every value of the scene (lossless: floats survive `json`)."""
        return self.to_document().model_dump(mode="json")

    def to_json(self, indent: int | None = 2) -> str:
        """The graph as JSON, which never holds NaN or Infinity: a record out of the schema is an error."""
        return json.dumps(_valid(self.to_document(), "the scene graph").model_dump(mode="json"), indent=indent,
                          allow_nan=False)

    @classmethod
    def from_document(cls, document: SceneDocument) -> "SceneGraph":
        graph = cls(ground=document.ground, camera=document.camera, settings=document.settings,
                    backdrop=document.backdrop)
        for light in document.lights:
            graph.add_light(light)
        for body in document.bodies:
            graph.add_body(body)
        for relation in document.relations:
            graph.add_relation(relation)
        for action in document.actions:
            graph.add_action(action)
        for event in document.events:
            graph.add_event(event)
        return graph

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SceneGraph":
        try:
            document = SceneDocument.model_validate(data)
        except ValidationError as error:
            raise SceneError(f"invalid scene graph: {describe_validation_error(error)}") from None
        return cls.from_document(document)

    @classmethod
    def from_json(cls, text: str) -> "SceneGraph":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SceneError(f"scene graph JSON is malformed: {error}") from None
        return cls.from_dict(data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SceneGraph) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"SceneGraph({len(self.bodies)} bodies, {len(self.relations)} relations, " \
               f"{len(self.actions)} actions, camera {self.camera.path.motion})"


def describe_validation_error(error: ValidationError) -> str:
    """The first pydantic error as 'field.path: message'."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def _valid(record: Any, what: str) -> Any:
    """`record` validated again: `model_copy(update=...)` skips validation, and NaN would slip in with it."""
    try:
        return type(record).model_validate(record.model_dump())
    except ValidationError as error:
        raise SceneError(f"{what}: {describe_validation_error(error)}") from None
