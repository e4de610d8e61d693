"""The words kinema knows: colours, materials, everyday nouns for shapes, sizes.

Every table here is data read by the parser, the caption writer and the sampler, so a word added here is
understood, written and sampled everywhere at once.
"""

from dataclasses import dataclass

from scenes.lexicon import NounSpec, load_lexicon, plural_forms
from scenes.schema import Action, Settings

# Canonical colour name -> sRGB in [0, 1] (CSS named-colour values).
COLOURS: dict[str, tuple[float, float, float]] = {
    name: (r / 255, g / 255, b / 255)
    for name, (r, g, b) in {
        "red": (220, 20, 20), "green": (0, 150, 0), "blue": (20, 60, 220), "yellow": (255, 215, 0),
        "orange": (255, 140, 0), "purple": (128, 0, 160), "pink": (255, 105, 180), "brown": (139, 69, 19),
        "black": (20, 20, 20), "white": (245, 245, 245), "grey": (128, 128, 128), "cyan": (0, 200, 220),
        "magenta": (230, 0, 230), "lime": (120, 230, 0), "navy": (0, 0, 110), "teal": (0, 128, 128),
        "maroon": (120, 0, 0), "olive": (128, 128, 0), "gold": (212, 175, 55), "silver": (192, 192, 192),
        "beige": (225, 205, 160), "indigo": (75, 0, 130),
    }.items()
}

COLOUR_SYNONYMS: dict[str, str] = {
    "crimson": "red", "scarlet": "red", "ruby": "red", "emerald": "green", "azure": "blue",
    "cobalt": "blue", "violet": "purple", "lavender": "purple", "gray": "grey", "turquoise": "cyan",
    "aqua": "cyan", "fuchsia": "magenta", "ivory": "white", "charcoal": "black", "tan": "beige",
    "amber": "orange", "golden": "gold", "chocolate": "brown",
}


@dataclass(frozen=True)
class MaterialSpec:
    """Physical parameters of a material (engineering-table values, dry contact with a hard floor)."""

    density: float  # kg/m^3
    friction: float  # Coulomb coefficient, dimensionless
    restitution: float  # coefficient of restitution, dimensionless
    break_speed: float | None = None  # m/s of impact that breaks a breakable body of it; None: it does not break


# Densities: typical handbook values (natural rubber ~1100, seasoned hardwood ~700, steel 7850, soda-lime
# glass 2500, ice 917, ABS plastic 1050, concrete 2400). Friction: dry kinetic coefficients (rubber on
# concrete ~0.8, wood on wood ~0.4, steel on steel ~0.5, glass on glass ~0.4, ice on ice ~0.03).
# Restitution: ball-drop values (rubber ball ~0.8, hardwood ~0.5, steel ~0.6, glass ~0.7, ice ~0.3).
# Porcelain ~2400 kg/m^3; paperboard ~700, book paper ~800 (the lexicon gives hollow cardboard boxes their own
# mass); polyurethane foam ~30, dead (restitution ~0.2) and grippy.
# Break speeds (brittle materials only): the speed change in one contact step, about (1 + e) times the speed
# it lands at; calibrated in tests/sim/test_breakage.py so a drinking glass survives a drop of a few cm and
# breaks from about 30 cm onto stone; porcelain and ice are a little tougher.
MATERIALS: dict[str, MaterialSpec] = {
    "rubber": MaterialSpec(density=1100.0, friction=0.8, restitution=0.8),
    "wood": MaterialSpec(density=700.0, friction=0.4, restitution=0.5),
    "metal": MaterialSpec(density=7850.0, friction=0.5, restitution=0.6),
    "glass": MaterialSpec(density=2500.0, friction=0.4, restitution=0.7, break_speed=3.0),
    "ice": MaterialSpec(density=917.0, friction=0.03, restitution=0.3, break_speed=4.0),
    "plastic": MaterialSpec(density=1050.0, friction=0.35, restitution=0.6),
    "stone": MaterialSpec(density=2400.0, friction=0.6, restitution=0.3),
    "ceramic": MaterialSpec(density=2400.0, friction=0.5, restitution=0.4, break_speed=3.5),
    "cardboard": MaterialSpec(density=700.0, friction=0.5, restitution=0.2),
    "paper": MaterialSpec(density=800.0, friction=0.45, restitution=0.2),
    "foam": MaterialSpec(density=30.0, friction=0.9, restitution=0.2),
}

# Adjective or noun as written -> canonical material name.
MATERIAL_WORDS: dict[str, str] = {
    "rubber": "rubber", "bouncy": "rubber", "wooden": "wood", "wood": "wood", "metal": "metal",
    "metallic": "metal", "steel": "metal", "iron": "metal", "glass": "glass", "ice": "ice", "icy": "ice",
    "plastic": "plastic", "stone": "stone", "concrete": "stone", "marble": "stone", "ceramic": "ceramic",
    "porcelain": "ceramic", "china": "ceramic", "clay": "ceramic", "cardboard": "cardboard", "paper": "paper",
    "foam": "foam", "styrofoam": "foam",
}

# The adjective a caption gives each floor texture, and the words the parser reads as one.
FLOOR_TEXTURE_ADJECTIVES = {"plain": "", "checker": "checkered", "grid": "grid", "tiles": "tiled",
                            "planks": "planked", "concrete": "mottled"}
FLOOR_TEXTURE_WORDS = {"plain": "plain", "checkered": "checker", "checker": "checker", "chequered": "checker",
                       "grid": "grid", "tiled": "tiles", "planked": "planks", "boarded": "planks",
                       "mottled": "concrete"}
# Skies a backdrop can have (scenes.schema.SKIES) and the words for them.
SKY_WORDS = {"clear": "clear", "sunny": "clear", "blue": "clear", "hazy": "hazy", "misty": "hazy",
             "overcast": "overcast", "cloudy": "overcast", "grey": "overcast", "gray": "overcast", "dusk": "dusk",
             "sunset": "dusk", "evening": "dusk"}
# Walls behind a scene: bright, plain paints that most body colours stand out from.
WALL_COLOURS = ("white", "beige", "grey", "silver")
# The body colours each wall paint hides from colour keying (alike up to brightness, hybrid.metrics): the
# sampler gives bodies none of them.
WALL_LOOKALIKES = {"white": ("white", "grey", "silver"), "beige": ("beige", "grey"),
                   "grey": ("grey", "silver", "white", "beige"), "silver": ("silver", "white", "grey")}
BACKDROP_ODDS = (0.5, 0.3, 0.2)  # how often the sampler draws a sky, a back wall and a room corner

# The adjective the caption writer uses for each material.
MATERIAL_ADJECTIVES: dict[str, str] = {
    "rubber": "rubber", "wood": "wooden", "metal": "metal", "glass": "glass", "ice": "ice",
    "plastic": "plastic", "stone": "stone", "ceramic": "ceramic", "cardboard": "cardboard", "paper": "paper",
    "foam": "foam",
}


# Everyday nouns and their physical proxies: scenes/lexicon.yaml (data), read once here.
LEXICON = load_lexicon()
NOUNS: dict[str, NounSpec] = LEXICON.nouns
NOUN_FORMS: dict[str, str] = LEXICON.forms  # every form ("bowling_pin", "pins", "skittle") -> canonical noun
PLURAL_NOUN_FORMS = plural_forms(LEXICON)
PLURALS: dict[str, str] = LEXICON.plurals  # canonical noun -> the plural captions write
OUT_OF_SCOPE: dict[str, tuple[str, str]] = LEXICON.out_of_scope  # word -> (category, nearest in-scope prompt)


def noun_words(form: str) -> str:
    """A noun or form as written in English: "bowling_pin" -> "bowling pin"."""
    return form.replace("_", " ")


# Size words -> scale factor on the noun's default extents. The caption writer uses the first word of each.
SIZE_WORDS: dict[str, float] = {
    "tiny": 0.4, "small": 0.65, "little": 0.65, "large": 1.5, "big": 1.5, "huge": 2.2, "giant": 2.2,
}
SIZE_WORD_FOR_SCALE: dict[float, str] = {0.4: "tiny", 0.65: "small", 1.5: "large", 2.2: "huge"}

# Mass words -> factor on the material-derived mass (how "a heavy box" differs from "a box").
MASS_WORDS: dict[str, float] = {"heavy": 5.0, "light": 0.2, "lightweight": 0.2}
MASS_WORD_FOR_FACTOR: dict[float, str] = {5.0: "heavy", 0.2: "light"}

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "pair": 2, "couple": 2,
    "single": 1, "dozen": 12,
}
WORD_FOR_NUMBER: dict[int, str] = {
    n: w for w, n in NUMBER_WORDS.items() if w not in ("pair", "couple", "single", "dozen")
}

ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "last": -1,
}
WORD_FOR_ORDINAL: dict[int, str] = {n: w for w, n in ORDINALS.items() if n > 0}


def schema_maximum(record: type, field: str) -> float:
    """The `le` bound the schema puts on `record.field`: the parser quotes the schema's limits, never its own."""
    return next(rule.le for rule in record.model_fields[field].metadata if hasattr(rule, "le"))


# Limits on the numbers a prompt may give (SI units).
MAX_DURATION = schema_maximum(Settings, "duration")  # seconds
MAX_DROP_HEIGHT = schema_maximum(Action, "height")  # m
MAX_SPEED = schema_maximum(Action, "speed")  # m/s
# A stated size (the largest extent) or mass. The words alone span sizes of 0.1 m (a tiny can) to 4 m (a huge
# ramp) and masses of 0.04 kg (a tiny light wooden can) to 90 t (a huge heavy metal crate). A body under 1 cm is
# a quarter of a pixel at 64p (a pixel spans 3.9 cm at the nearest camera distance, 3 m); far beyond the
# words' span, a number is a slip of the keyboard.
SIZE_RANGE = (0.01, 10.0)  # m
MASS_RANGE = (0.001, 100_000.0)  # kg

# Defaults of a clip.
DEFAULT_DURATION = 3.0  # seconds
DEFAULT_DROP_HEIGHT = 1.0  # metres of clearance under a body that "falls" with no height given
DEFAULT_SPEED = {"roll": 2.0, "push": 2.0, "slide": 2.0, "throw": 4.0, "topple": 1.0}  # m/s
DEFAULT_ZOOM = 0.4  # fraction of the distance (dolly) or of the field of view (focal) a zoom covers
DEFAULT_ORBIT_DEGREES = 60.0
DEFAULT_PAN_DEGREES = 20.0
