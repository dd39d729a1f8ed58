"""Properties of order_files on random import graphs (cycles included), checked independently."""

from __future__ import annotations

import random

import pytest

from reviewapp.ordering import order_files

from .conftest import make_file


def random_change(seed: int, size: int = 14) -> tuple[list, dict[int, set[int]]]:
    """`size` modules with random imports in three styles; returns files and imports[user]."""
    rng = random.Random(seed)
    imports: dict[int, set[int]] = {i: set() for i in range(size)}
    for user in range(size):
        for dep in rng.sample(range(size), k=rng.randint(0, 3)):
            if dep != user:
                imports[user].add(dep)
    files = []
    for i in range(size):
        lines, calls = [], []
        for dep in sorted(imports[i]):
            style = (i + dep) % 3
            if style == 0:
                lines.append(f"from pkg.m{dep} import f{dep}")
                calls.append(f"f{dep}()")
            elif style == 1:
                lines.append(f"import pkg.m{dep} as alias{dep}")
                calls.append(f"alias{dep}.f{dep}()")
            else:
                lines.append(f"from . import m{dep}")
                calls.append(f"m{dep}.f{dep}()")
        body = " + ".join(calls) or "0"
        old = "\n".join(lines + ["", "", f"def f{i}():", "    return 1", ""])
        new = "\n".join(lines + ["", "", f"def f{i}():", f"    return {body}", ""])
        files.append(make_file(f"pkg/m{i}.py", old, new))
    return files, imports


def mutual_reach(imports: dict[int, set[int]]) -> dict[int, set[int]]:
    """reach[a] = every module that (transitively) uses a: Floyd–Warshall style closure."""
    reach = {a: {u for u, deps in imports.items() if a in deps} for a in imports}
    for k in imports:
        for a in imports:
            if k in reach[a]:
                reach[a] |= reach[k]
    return reach


@pytest.mark.parametrize("seed", range(25))
def test_random_graphs_keep_dependencies_first_and_cycles_together(seed):
    """Outside cycles every module follows what it imports; a cycle's modules are contiguous;
    the order is independent of input order."""
    files, imports = random_change(seed)
    result = order_files(files)
    rank = {int(item.path[len("pkg/m"):-3]): item.order for item in result}
    reach = mutual_reach(imports)
    for user, deps in imports.items():
        for dep in deps:
            same_cycle = user in reach[dep] and dep in reach[user]
            if not same_cycle:
                assert rank[dep] < rank[user], (seed, dep, user)
    for a in imports:
        cycle = {b for b in imports if b == a or (b in reach[a] and a in reach[b])}
        ranks = sorted(rank[b] for b in cycle)
        assert ranks == list(range(ranks[0], ranks[0] + len(ranks))), (seed, cycle)
        assert len({result[r].group for r in ranks}) == 1
    shuffled = files[:]
    random.Random(seed).shuffle(shuffled)
    assert [i.path for i in order_files(shuffled)] == [i.path for i in result]


SNIPPETS = ["import ", "from . import ", "from .. import (", "def ", "class ", "@", "#include \"",
            "mod ", "use crate::", "package ", "import (", "export ", "require('", "{% extends '",
            "\t", "    ", ")", "'''", '"""', "\\", "::", "..", "./", "../../.."]
EXTENSIONS = [".py", ".js", ".tsx", ".go", ".c", ".h", ".java", ".rs", ".html", ".md", ".json",
              ".lock", ".png", ""]


def garbage(rng: random.Random) -> str:
    alphabet = "abcXYZ_09 .:/\\'\"(){}[]#@=\t\nßé—\u2028\x00"
    return "\n".join(
        rng.choice(SNIPPETS) + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        for _ in range(rng.randint(0, 30))
    )


@pytest.mark.parametrize("seed", range(40))
def test_garbage_files_never_raise(seed):
    """Half-written code in every language, odd paths, with and without contents: an order
    that covers every input file, never an exception."""
    rng = random.Random(seed)
    files = []
    for i in range(rng.randint(1, 10)):
        folders = [rng.choice(["a", "tests", "src", "vendor", "..", "."]) for _ in range(2)]
        path = "/".join(folders[: rng.randint(0, 2)] + [f"f{i}{rng.choice(EXTENSIONS)}"])
        old = garbage(rng) if rng.random() < 0.8 else None
        new = garbage(rng) if old is None or rng.random() < 0.8 else None
        files.append(make_file(path, old, new, with_content=rng.random() < 0.5))
    result = order_files(files)
    assert sorted(item.index for item in result) == list(range(len(files)))
    assert all(item.reason for item in result)
