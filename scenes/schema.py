"""The typed records a scene graph holds, with validation and a JSON Schema (pydantic).

Units are SI (metres, seconds, kilograms, radians); quaternions are xyzw; the world is Z up. Every number is
finite and within a physical limit below, so a typo (1e300, inf) is refused with the limit it broke instead
of reaching PyBullet, which turns it into NaN.
"""

import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from scenes.seeding import MAX_SEED

Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]  # x, y, z, w
Unit = Annotated[float, Field(ge=0.0, le=1.0)]

# Physical limits: far past any scene kinema frames or simulates well, near enough to keep the physics finite.
MAX_DISTANCE = 10_000.0  # m from the origin: positions of bodies, camera and lights (the ground is 1 km wide)
MAX_EXTENT = 100.0  # m: a body's size along one axis
MAX_DENSITY = 25_000.0  # kg/m^3: above osmium's 22,590, the densest element
MAX_MASS = MAX_DENSITY * MAX_EXTENT**3  # kg (2.5e10): so the mass drawn from any allowed size and density fits
MAX_VELOCITY = 1_000.0  # m/s per component: three times the speed of sound
MAX_ANGULAR_VELOCITY = 100_000.0  # rad/s per component: a 1 cm ball rolling at 100 m/s (the fastest action): 2e4
MAX_GRAVITY = 1_000.0  # m/s^2 per component: 100 g
MAX_IMPULSE = 1e15  # N*s or N*m*s per component: past what takes the heaviest body to the fastest speed
MAX_TURN = math.radians(720.0)  # rad: a camera orbits or pans at most two full turns
# Bodies in one scene, prompt or script: the layout checks every pair, so its time grows with the square. 100
# lay out in 0.05-0.3 s (2.7 s if each is `near` the one before); 1000 took 3.9 s, 5000 over a minute.
MAX_BODIES = 100
MAX_ENTRIES = 10 * MAX_BODIES  # relations, actions, events or lights in one scene: ten per body is plenty


def _bounded_vector(limit: float) -> type:
    """Three numbers, each from -limit to limit."""
    component = Annotated[float, Field(ge=-limit, le=limit)]
    return tuple[component, component, component]


Point = _bounded_vector(MAX_DISTANCE)  # m
Direction = _bounded_vector(MAX_DISTANCE)  # any length: only the direction counts
Velocity = _bounded_vector(MAX_VELOCITY)  # m/s
AngularVelocity = _bounded_vector(MAX_ANGULAR_VELOCITY)  # rad/s
Acceleration = _bounded_vector(MAX_GRAVITY)  # m/s^2
Impulse = _bounded_vector(MAX_IMPULSE)  # N*s, or N*m*s
Extent = Annotated[float, Field(le=MAX_EXTENT)]  # m; positive, as Body checks


def _identifier(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", value):
        raise ValueError(f"{value!r} is not an id: use letters, digits and _, starting with a letter, "
                         f"at most 64 characters (e.g. red_ball)")
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]

SHAPES = ("sphere", "box", "cylinder", "capsule", "cone", "plane", "mesh")
RELATIONS = ("on", "left_of", "right_of", "in_front_of", "behind", "above", "near", "inside")
ACTIONS = ("drop", "roll", "push", "throw", "slide", "topple")
DIRECTIONS = ("left", "right", "forward", "backward")  # camera-relative; forward = away from the camera
CAMERA_MOTIONS = ("static", "zoom_in", "zoom_out", "orbit", "pan", "track")
FLOOR_TEXTURES = ("plain", "checker", "grid", "tiles", "planks", "concrete")
BACKDROPS = ("sky", "wall", "corner")  # open sky; a back wall; the corner of a room (back wall and a side wall)
SKIES = ("clear", "hazy", "overcast", "dusk")
RESERVED_IDS = ("ground", "camera")


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class Colour(Record):
    name: str
    rgb: tuple[Unit, Unit, Unit]


class Material(Record):
    name: str
    density: float = Field(gt=0.0, le=MAX_DENSITY, description="kg/m^3")
    friction: float = Field(ge=0.0, le=5.0, description="Coulomb coefficient")
    restitution: float = Field(ge=0.0, le=1.0, description="coefficient of restitution")
    break_speed: float | None = Field(default=None, gt=0.0, le=MAX_VELOCITY,
                                      description="m/s: a breakable body of this material breaks at an impact "
                                                  "past this speed (sim.world); None: it does not break")


MAX_PIECES = 64  # pieces of one breakable body: each is a rigid body of its own once it breaks


class Breakable(Record):
    """A body that breaks into pre-fractured pieces when an impact passes its threshold (sim/fracture.py)."""

    pieces: int = Field(default=16, ge=2, le=MAX_PIECES, description="Voronoi cells its volume is cut into")
    threshold: float | None = Field(default=None, gt=0.0, le=MAX_VELOCITY,
                                    description="m/s of impact (the speed change one contact step imposes); "
                                                "default: its material's break_speed")


class Group(Record):
    """Membership of a body in an arrangement the parser built as one phrase ("a tower of five cubes")."""

    id: Identifier
    kind: Literal["tower", "row"]
    index: int = Field(ge=0, description="0 = bottom of a tower, start of a row")


class Body(Record):
    """A rigid body: shape and extents in its own frame, appearance, material and initial state."""

    id: Identifier
    noun: str = Field(description="the everyday word for it, e.g. ball, crate, domino")
    shape: Literal[SHAPES]
    size: tuple[Extent, Extent, Extent] = Field(description="extents along x, y, z in metres (sphere: diameter)")
    mesh: str | None = Field(default=None, description="mesh file (shape 'mesh' only)")
    colour: Colour
    material: Material
    mass: float = Field(gt=0.0, le=MAX_MASS, description="kg; ignored for static bodies")
    static: bool = False
    position: Point = (0.0, 0.0, 0.0)
    orientation: Quat = (0.0, 0.0, 0.0, 1.0)
    linear_velocity: Velocity = (0.0, 0.0, 0.0)
    angular_velocity: AngularVelocity = (0.0, 0.0, 0.0)
    pose_from_author: bool = Field(default=False, description="position given by the author, kept by layout")
    group: Group | None = None
    breakable: Breakable | None = None

    @property
    def break_threshold(self) -> float | None:
        """m/s of impact past which the body breaks; None: it never does."""
        if self.breakable is None:
            return None
        return self.breakable.threshold if self.breakable.threshold is not None else self.material.break_speed

    @field_validator("size")
    @classmethod
    def _positive_size(cls, size: Vec3) -> Vec3:
        if min(size[:2]) <= 0 or size[2] < 0:
            raise ValueError("extents must be positive (only a plane may have zero thickness)")
        return size

    @field_validator("orientation")
    @classmethod
    def _unit_quaternion(cls, q: Quat) -> Quat:
        norm = math.sqrt(sum(c * c for c in q))
        if not 0.99 < norm < 1.01:
            raise ValueError(f"orientation must be a unit quaternion (x, y, z, w); its norm is {norm:.3f}")
        return q

    @model_validator(mode="after")
    def _mesh_iff_mesh_shape(self) -> "Body":
        if (self.shape == "mesh") != (self.mesh is not None):
            raise ValueError("a body has a mesh file exactly when its shape is 'mesh'")
        if self.shape == "sphere" and not (self.size[0] == self.size[1] == self.size[2]):
            raise ValueError("a sphere's three extents must be equal (its diameter)")
        if self.breakable is not None and self.shape == "plane":
            raise ValueError("a plane has no volume to break; make it a thin box to let it break")
        if self.breakable is not None and self.break_threshold is None:
            raise ValueError(f"{self.material.name} does not break; make the body glass, ceramic or ice, or give "
                             f"breakable a threshold (m/s of impact)")
        return self


class Ground(Record):
    colour: Colour
    material: Material
    texture: Literal[FLOOR_TEXTURES] = "plain"


class Backdrop(Record):
    """What is seen behind the bodies: a sky gradient, or painted walls (which stand beyond every body, as
    seen from the first frame's camera, and take no part in the physics)."""

    kind: Literal[BACKDROPS] = "sky"
    sky: Literal[SKIES] = "hazy"
    colour: Colour | None = Field(default=None, description="the walls' paint (wall and corner only)")
    side: Literal["left", "right"] = Field(default="left", description="corner only: where the side wall stands")

    @model_validator(mode="after")
    def _walls_have_paint(self) -> "Backdrop":
        if (self.kind == "sky") == (self.colour is not None):
            raise ValueError("walls (kind wall or corner) need a colour, and a sky has none")
        return self


class CameraPath(Record):
    """How the camera moves over the clip; sim/ turns it into one pose per frame."""

    motion: Literal[CAMERA_MOTIONS] = "static"
    direction: Literal["left", "right"] | None = Field(default=None, description="orbit and pan only")
    amount: float = Field(default=0.0, ge=0.0, le=MAX_TURN,
                          description="zoom: fraction of distance/focal; orbit, pan: rad")
    zoom_mode: Literal["dolly", "focal"] = "dolly"
    target: Identifier | None = Field(default=None, description="body followed by 'track'")

    @model_validator(mode="after")
    def _consistent(self) -> "CameraPath":
        if (self.motion in ("orbit", "pan")) != (self.direction is not None):
            raise ValueError("orbit and pan need a direction (left or right); other motions have none")
        if (self.motion == "track") != (self.target is not None):
            raise ValueError("'track' needs a target body; other motions have none")
        if self.motion in ("zoom_in", "zoom_out") and not 0 < self.amount < 1:
            raise ValueError("a zoom amount is a fraction between 0 and 1")
        if self.motion in ("static", "track") and self.amount != 0:
            raise ValueError(f"a {self.motion} camera takes no amount; remove it")
        return self


class Camera(Record):
    eye: Point = (0.0, -5.0, 2.0)
    look_at: Point = (0.0, 0.0, 0.3)
    fov_y: float = Field(default=math.radians(45.0), gt=0.0, lt=math.pi, description="vertical, rad")
    z_near: float = Field(default=0.05, gt=0.0, le=MAX_DISTANCE)
    z_far: float = Field(default=100.0, gt=0.0, le=3 * MAX_DISTANCE, description="across the farthest scene")
    path: CameraPath = CameraPath()
    pose_from_author: bool = False

    @model_validator(mode="after")
    def _sane(self) -> "Camera":
        if self.z_far <= self.z_near:
            raise ValueError("z_far must be larger than z_near")
        if math.dist(self.eye, self.look_at) < 1e-6:
            raise ValueError("the camera's eye and look_at must differ")
        return self


class Light(Record):
    id: Identifier
    kind: Literal["directional", "point"] = "directional"
    direction: Direction = (0.3, 0.5, -1.0)  # directional: where the light travels
    position: Point = (0.0, 0.0, 4.0)  # point lights
    rgb: tuple[Unit, Unit, Unit] = (1.0, 1.0, 1.0)
    intensity: float = Field(default=3.0, ge=0.0, le=1_000.0)


DEFAULT_LIGHT = Light(id="sun")  # the light of a graph that names none


class Relation(Record):
    """A spatial relation, camera-relative for left/right/front/behind (as seen from the first frame)."""

    subject: Identifier
    relation: Literal[RELATIONS]
    object: Identifier


class Action(Record):
    """Something done to a body at the start of the clip; layout turns it into an initial state."""

    subject: Identifier
    action: Literal[ACTIONS]
    target: Identifier | None = Field(default=None, description="body aimed at, fallen onto or moved down")
    direction: Literal[DIRECTIONS] | None = None
    speed: float | None = Field(default=None, ge=0.0, le=100.0, description="m/s")
    height: float | None = Field(default=None, ge=0.0, le=100.0, description="drop: clearance in m")
    via: Literal["behind", "in_front", "down"] | None = Field(
        default=None, description="behind, in_front: pass the target; down: start at the top of the target ramp")
    after_fall: bool = Field(default=False, description="starts when the body lands from its drop ('then')")
    delay: float | None = Field(default=None, ge=0.0, le=60.0,
                                description="s: starts this long after the clip begins ('after 2 seconds')")


class Event(Record):
    """An impulse applied to a body at a video frame (N*s, world frame, at the centre of mass).

    With `release`, the body is held still where it starts until that frame (a fall said to start later)."""

    frame: int = Field(ge=0)
    body: Identifier
    impulse: Impulse = (0.0, 0.0, 0.0)
    angular_impulse: Impulse = (0.0, 0.0, 0.0)
    release: bool = False


class Settings(Record):
    duration: float = Field(default=3.0, gt=0.0, le=60.0, description="seconds")
    gravity: Acceleration = (0.0, 0.0, -9.81)
    fps: int = Field(default=8, gt=0, le=240, description="the rate event frames count at")
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    source: str = Field(default="", description="the prompt or script the scene came from")
    laid_out: bool = Field(default=False, description="initial poses solved from relations and actions")


def too_short_for_a_frame(seconds: float, fps: float, said: str | None = None) -> str | None:
    """Why a clip of `seconds` (written `said`) at `fps` would have no frame after the first; None if it has one.

    Frames are counted as the simulator counts them, round(seconds * fps).
    """
    if round(seconds * fps) >= 1:
        return None
    return f"{said or f'{seconds:g} s'} at {fps:g} fps is less than one frame; ask for at least {1 / fps:g} s"


class SceneDocument(Record):
    """The JSON form of a scene graph: everything needed to replay it."""

    version: Literal[1] = 1
    settings: Settings = Settings()
    ground: Ground
    backdrop: Backdrop = Backdrop()
    camera: Camera = Camera()
    lights: list[Light] = Field(default=[], max_length=MAX_ENTRIES)
    bodies: list[Body] = Field(default=[], max_length=MAX_BODIES)
    relations: list[Relation] = Field(default=[], max_length=MAX_ENTRIES)
    actions: list[Action] = Field(default=[], max_length=MAX_ENTRIES)
    events: list[Event] = Field(default=[], max_length=MAX_ENTRIES)
