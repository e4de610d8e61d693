"""How many prompts people write parse right: prints a table and writes JSON.

    python benchmarks/prompt_coverage.py [--out benchmarks/results/prompt_coverage.json] [--show-failures]

Each set in benchmarks/prompt_sets/ was written blind by a helper that never saw kinema's grammar, vocabulary or
the other sets (see that folder's README.md): rows of a prompt, its category and the facts a reader expects
(bodies and counts, colours, relations, motions, camera, refusal, warned words). A prompt parses right when
`parse_prompt` raises no error (or, for an out-of-scope prompt, refuses it) and every fact holds, read leniently
where kinema says the same thing another way:
- an object word names a body whose noun is it or ends in it ("box": a cardboard box is a carton);
- "on X" also holds for a fall onto X and a roll down X; "behind X" for a motion that passes behind X;
- "near" holds for any side-by-side relation; left/right and front/behind hold read from either body;
- "falls" holds for a body that moves off what it stands on; "collides" and "topples" for a body hit by another.
"""

import argparse
import json
import platform
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from fileio import write_atomically  # noqa: E402
from scenes import vocabulary as vocab  # noqa: E402
from scenes.errors import SceneError  # noqa: E402
from scenes.lexicon import joined  # noqa: E402
from scenes.parser import parse_prompt  # noqa: E402

SETS = ROOT / "benchmarks" / "prompt_sets"
MOTIONS = {"fall": {"drop"}, "bounce": {"drop"}, "roll": {"roll"}, "slide": {"slide", "push"},
           "push": {"push", "roll", "slide"}, "throw": {"throw"}, "topple": {"topple"},
           "collide": {"roll", "push", "slide", "throw"}}
SIDEWAYS = {"left_of", "right_of", "in_front_of", "behind", "near"}
MIRRORED = {"left_of": "right_of", "right_of": "left_of", "in_front_of": "behind", "behind": "in_front_of",
            "near": "near"}


def names(word: str, noun: str) -> bool:
    """Whether an expected object word names a body of `noun`: its noun, or the head word of one of its forms."""
    key = joined(word)
    if vocab.NOUN_FORMS.get(key, key) == noun:
        return True
    return any("_" in form and form.split("_")[-1] == key for form, n in vocab.NOUN_FORMS.items() if n == noun)


class _Scene:
    """A parsed graph, read by noun."""

    def __init__(self, graph):
        self.graph = graph
        self.nouns = Counter(b.noun for b in graph.bodies)
        self.noun_of = {b.id: b.noun for b in graph.bodies}

    def noun(self, word: str) -> str:
        return next((n for n in self.nouns if names(word, n)), vocab.NOUN_FORMS.get(joined(word), joined(word)))

    def counts_match(self, wanted: dict) -> bool:
        for word, count in wanted.items():
            if sum(self.nouns[n] for n in self.nouns if names(word, n)) != count:
                return False
        return sum(self.nouns.values()) == sum(wanted.values())

    def related(self, subject: str, relation: str, obj: str) -> bool:
        g, n = self.graph, self.noun_of
        said = {(n[r.subject], r.relation, n[r.object]) for r in g.relations}
        if (subject, relation, obj) in said or (obj, MIRRORED.get(relation, "?"), subject) in said:
            return True
        if relation == "near" and any((subject, r, obj) in said or (obj, r, subject) in said for r in SIDEWAYS):
            return True
        aimed = [(n[a.subject], a, n.get(a.target)) for a in g.actions if a.target]
        if relation == "on":
            return any(s == subject and t == obj and (a.action == "drop" or a.via == "down") for s, a, t in aimed)
        if relation in ("behind", "in_front_of"):
            via = "behind" if relation == "behind" else "in_front"
            return any(s == subject and t == obj and a.via == via for s, a, t in aimed)
        if relation == "inside":
            return any(s == subject and t == obj for s, a, t in aimed)
        return False

    def moves(self, word: str, motion: str) -> bool:
        noun = self.noun(word)
        done = {a.action for a in self.graph.actions if self.noun_of[a.subject] == noun}
        if done & MOTIONS.get(motion, {motion}):
            return True
        hit = any(a.target and self.noun_of.get(a.target) == noun for a in self.graph.actions)
        stands_on = any(self.noun_of[r.subject] == noun and r.relation == "on" for r in self.graph.relations)
        return (motion in ("collide", "topple") and hit) or (motion == "fall" and bool(done) and stands_on) or \
            (motion == "topple" and "drop" in done)


def check(row: dict) -> str | None:
    """None if the prompt parses right, else what is wrong."""
    expect = row.get("expect") or {}
    try:
        scene = _Scene(parse_prompt(row["prompt"], seed=0))
    except SceneError as error:
        return None if expect.get("refused") else f"error: {error}"
    if expect.get("refused"):
        return "not refused"
    if expect.get("bodies") and not scene.counts_match(expect["bodies"]):
        return f"bodies {dict(scene.nouns)} != {expect['bodies']}"
    for word, wanted in (expect.get("colours") or {}).items():
        colours = [vocab.COLOUR_SYNONYMS.get(c, c) for c in ([wanted] if isinstance(wanted, str) else wanted)]
        got = [b.colour.name for b in scene.graph.bodies if b.noun == scene.noun(word)]
        if not all(c in got for c in colours):
            return f"colours of {word}: {got} != {colours}"
    for subject, relation, obj in expect.get("relations") or []:
        relation = "on" if relation is True else relation  # YAML 1.1 reads a bare `on` as true
        if not scene.related(scene.noun(subject), relation, scene.noun(obj)):
            return f"relation ({subject}, {relation}, {obj}) missing"
    for word, motion in (expect.get("motions") or {}).items():
        if not scene.moves(word, motion):
            return f"motion {word}: {motion} missing"
    if expect.get("camera") and expect["camera"] != scene.graph.camera.path.motion:
        return f"camera {scene.graph.camera.path.motion} != {expect['camera']}"
    for word in expect.get("warnings") or []:
        if not any(word.lower() in warning for warning in scene.graph.warnings):
            return f"no warning for {word!r}"
    return None


def score(path: Path) -> dict:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    for row in rows:
        problem = check(row)
        by_category[row["category"]][0] += problem is None
        by_category[row["category"]][1] += 1
        if problem:
            failures.append({"prompt": row["prompt"], "category": row["category"], "problem": problem})
    right = sum(ok for ok, _ in by_category.values())
    return {"set": path.stem, "prompts": len(rows), "right": right, "share": right / len(rows),
            "by_category": {c: {"right": ok, "prompts": n} for c, (ok, n) in by_category.items()},
            "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "prompt_coverage.json"))
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    results = [score(path) for path in sorted(SETS.glob("*.yaml"))]
    print(f"{'set':<12} {'prompts':>7} {'right':>6} {'share':>7}")
    for result in results:
        print(f"{result['set']:<12} {result['prompts']:>7} {result['right']:>6} {result['share']:>7.0%}")
        for failure in result["failures"] if args.show_failures else []:
            print(f"    [{failure['category']}] {failure['prompt']!r}: {failure['problem'][:160]}")
    record = {"sets": results, "machine": {"python": platform.python_version()}}
    write_atomically(Path(args.out), lambda path: path.write_text(json.dumps(record, indent=2) + "\n"))


if __name__ == "__main__":
    main()
