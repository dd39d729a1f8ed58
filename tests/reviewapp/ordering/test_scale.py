"""order_files at the size of a big review: fast, and still definitions before uses."""

from __future__ import annotations

import time

from reviewapp.ordering import order_files

from .conftest import make_file

MODULES = 200
FUNCTIONS = 5


def module_text(i: int, changed: bool) -> str:
    """Module i imports the two before it and calls them from each of its functions."""
    deps = [d for d in (i - 1, i - 7) if d >= 0]
    lines = [f"from pkg.m{d} import f{d}_0" for d in deps] + ["", ""]
    for f in range(FUNCTIONS):
        lines.append(f"def f{i}_{f}(x):")
        lines += [f"    x = f{d}_0(x)" for d in deps]
        lines += [f"    y{n} = x + {n}" for n in range(4)]
        if changed:
            lines += ["    if x > 10:", "        return -x", "    return x * 2", "", ""]
        else:
            lines += ["    return x", "", ""]
    return "\n".join(lines) + "\n"


def test_two_hundred_files_of_ten_thousand_lines_order_quickly_and_correctly():
    """200 files / ~10k diff lines: well under a second here (2 s allowed for a busy machine),
    every module after the ones it imports; shuffled input gives the same order."""
    files = [
        make_file(f"pkg/m{i}.py", module_text(i, False), module_text(i, True), context=10)
        for i in range(MODULES)
    ]
    lines = sum(len(h.lines) for f in files for h in f.hunks)
    assert lines >= 10_000
    started = time.perf_counter()
    result = order_files(files[::-1])
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"{elapsed:.2f}s for {lines} lines"
    rank = {item.path: item.order for item in result}
    for i in range(MODULES):
        for d in (i - 1, i - 7):
            if d >= 0:
                assert rank[f"pkg/m{d}.py"] < rank[f"pkg/m{i}.py"]
    assert [item.path for item in order_files(files)] == [item.path for item in result]
