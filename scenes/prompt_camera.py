"""Camera clauses of a prompt: "the camera orbits left by 90 degrees", "zooms in on the ball", "follows it".
"""

import numpy as np

from scenes.errors import SceneError
from scenes.grammar import ADVERBS, CAMERA_COMMANDS, CONNECTORS
from scenes.prompt_reader import GROUND, TokenReader
from scenes.schema import CameraPath
from scenes.tokens import SEPARATORS
from scenes.vocabulary import DEFAULT_ORBIT_DEGREES, DEFAULT_PAN_DEGREES, DEFAULT_ZOOM



class CameraClauses(TokenReader):
    """Reads camera clauses into the graph's camera path (a mixin of the parser: it shares the parser's state)."""

    # --- the camera --------------------------------------------------------------------------------------
    def camera_clause(self) -> bool:
        start = self.i
        self.accept("the") or self.accept("a") or self.accept("an")
        adjective = self.accept_any({"static", "fixed", "still", "stationary", "orbiting", "tracking", "panning"})
        named = self.accept("camera") or self.accept("camera", "shot")
        if named:
            self.accept(":")  # "Camera: orbit."
        noun_form = self.i > start and self.tokens[start].text in ("a", "an") and \
            self.peek() in ("orbit", "zoom", "dolly")
        camera_next = (self.peek(1), self.peek(2)) == ("the", "camera")  # "orbit the camera around the ball"
        command = self.i == start and (self.peek() in CAMERA_COMMANDS and (not self._starts_reference(1) or camera_next)
                                       or self.peek() in ("follow", "track") and self._starts_reference(1))
        if not (named or noun_form or command):
            self.i = start  # "an orbit around the table", "a slow zoom in": a camera move named as a noun
            return False
        if self.camera_said and self.peek() in SEPARATORS | CONNECTORS | {""}:
            return True  # "... and track it with the camera": the camera said again, with nothing new
        if self.camera_said:
            raise SceneError("the prompt describes the camera twice; keep one camera motion")
        self.camera_said = True
        path = None
        if adjective in ("static", "fixed", "still", "stationary"):
            path = CameraPath(motion="static")
        while not self.at_end() and self.peek() not in SEPARATORS | CONNECTORS:
            if self.duration_phrase() or self.accept_any(ADVERBS | {"is", "stays", "remains"}) or self._no_op() \
                    or self.accept("the", "camera") or self.accept("camera") or self.accept(":"):
                continue  # "pan the camera left", "zoom in at the end"
            if self.peek() == "to" and self.peek(1) in ("follow", "track"):
                self.i += 1  # "to follow the ball": 'follow' is read below
            if self.peek() in ("follow", "track", "following") and not self._starts_reference(1):
                self.i += 1
                if not self.last_subject:
                    raise self.fail("the object the camera follows")
                path = CameraPath(motion="track", target=self.last_subject[0])  # "pan the camera to follow"
                continue
            self.camera_object = None
            motion = self._camera_motion(adjective)
            if motion is None:
                raise self.fail("a camera motion: zooms in/out, dollies in/out, orbits, pans left/right, "
                                "follows X, is static")
            path = motion
            if self.camera_object and self.peek() not in SEPARATORS | CONNECTORS | {""}:
                self.predicates(self.camera_object)  # "orbits a globe on a desk": the globe is on the desk
        if adjective == "orbiting" and path is None:
            path = CameraPath(motion="orbit", direction="left", amount=float(np.radians(DEFAULT_ORBIT_DEGREES)))
        self.graph.camera = self.graph.camera.model_copy(update={"path": path or CameraPath()})
        return True

    def _camera_motion(self, adjective: str | None) -> CameraPath | None:
        if self.accept_any({"static", "fixed", "still", "stationary"}) or self.accept("does", "not", "move"):
            return CameraPath(motion="static")
        for words, mode in ((("zooms", "zoom", "zooming"), "focal"),
                            (("dollies", "dolly", "moves", "pushes"), "dolly")):
            if self.accept_any(set(words)):
                amount = self._amount_fraction(DEFAULT_ZOOM)
                if self.accept("in") or self.accept("closer"):
                    if self.accept("on"):  # "zooms in on the ball": the zoom aims at the scene's centre anyway
                        self.camera_object = self.noun_phrase(create=True)
                    return CameraPath(motion="zoom_in", amount=self._amount_fraction(amount), zoom_mode=mode)
                if self.accept("out") or self.accept("away"):
                    return CameraPath(motion="zoom_out", amount=self._amount_fraction(amount), zoom_mode=mode)
                raise self.fail("'in' or 'out' after the zoom")
        if self.accept_any({"orbits", "orbit", "circles", "rotates", "orbiting", "circling", "rotating", "rotate",
                            "circle"}):
            return self._turning("orbit", DEFAULT_ORBIT_DEGREES)
        if self.accept_any({"pans", "pan", "panning", "turns", "sweeps", "sweeping"}):
            return self._turning("pan", DEFAULT_PAN_DEGREES)
        if self.accept_any({"follows", "follow", "tracks", "track", "following", "tracking"}):
            target = self.noun_phrase(create=True)  # "the camera follows the red ball as it rolls"
            if not target or target == [GROUND]:
                raise self.fail("the object the camera follows")
            self.last_subject = self.camera_object = target
            return CameraPath(motion="track", target=target[0])
        return None

    def _amount_fraction(self, default: float) -> float:
        """'by 30 percent' -> 0.3; the default when no amount is said."""
        start = self.i
        self.accept("by")
        value = self.number()
        if value is not None and self.accept("percent"):
            if not 0 < value < 100:
                raise SceneError(f"a zoom of {value:g} percent is impossible; use 1 to 99 percent")
            return value / 100
        self.i = start
        return default

    def _turning(self, motion: str, default_degrees: float) -> CameraPath:
        degrees, direction = default_degrees, None
        while True:
            if self.accept("the", "camera") or self.accept("camera") or self.accept("across"):
                continue  # "orbit the camera around the ball", "pans across"
            if self.accept("around") or self.accept("about"):
                if not (self.accept("the", "scene") or self.accept("everything")) and self._starts_reference():
                    self.camera_object = self.last_subject = self.noun_phrase(create=True)
                continue
            self.accept("by")
            angle = self.quantity("angle")
            if angle is not None:
                degrees = float(np.degrees(angle))
                continue
            if self.accept("a", "full", "turn") or self.accept("full", "circle"):
                degrees = 360.0
                continue
            if motion == "orbit" and self._starts_noun_phrase():  # "orbits a globe": the globe is in the scene
                named = self.noun_phrase(create=True)
                if named:
                    self.camera_object = self.last_subject = named
                    continue
            found = self._direction()
            if found in ("left", "right"):
                direction = found
                continue
            break
        if not 0 < degrees <= 720:
            raise SceneError(f"a camera {motion} of {degrees:g} degrees is impossible; use 1 to 720 degrees")
        return CameraPath(motion=motion, direction=direction or "left", amount=float(np.radians(degrees)))
