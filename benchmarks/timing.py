"""Wall-clock timing shared by the benchmark scripts."""

import time


def best_seconds(function, repeats: int = 1, warm_up: bool = False) -> float:
    """Best wall time of `repeats` calls of `function`, in seconds; `warm_up` makes one untimed call first."""
    if warm_up:
        function()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best
