"""No import cycles held apart by imports inside functions: the module graph of the parts that
issue 10 untangled (articles/htmltext, the gazetteer, the regions package) has no cycle, counting
imports anywhere in a module (inside functions too) but not those under ``if TYPE_CHECKING``; and the
store (``geomap.store`` and its ``store_schema``/``store_search``) reaches neither the renderer nor the
geocoder."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geomap"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """geomap modules ``path`` imports anywhere (a ``from package import name`` counts the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(node) for branch in ast.walk(tree)
                 if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
                 for statement in branch.body for node in ast.walk(statement)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                out.add(name)
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("part", ["geomap.articles", "geomap.htmltext", "geomap.gazetteer", "geomap.regions"])
def test_no_import_cycle_through(part):
    modules = _modules()
    graph = {m: {t for t in _imports(p, modules) if t != m} for m, p in modules.items()}
    involved = [c for c in _cycles(graph) if any(m == part or m.startswith(part + ".") for m in c)]
    assert involved == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# --- the store depends on neither the renderer nor the geocoder (issue 10) -------------------------

def _outside_the_store(module: str) -> bool:
    """The renderer and the online geocoder (``geomap.geocode_cache`` is the store's own table)."""
    return any(module == part or module.startswith(part + ".")
               for part in ("geomap.render", "geomap.geocode"))


def test_the_store_modules_reach_neither_render_nor_geocode_through_any_import():
    modules = _modules()
    graph = {m: {t for t in _imports(p, modules) if t != m} for m, p in modules.items()}
    reached, todo = set(), ["geomap.store"]
    while todo:
        for target in graph[todo.pop()] - reached:
            reached.add(target)
            todo.append(target)
    assert {"geomap.store_schema", "geomap.store_search"} <= reached
    assert sorted(m for m in reached if _outside_the_store(m)) == []


def test_the_import_finder_sees_an_import_inside_a_function(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from geomap.render.data import MapData\n", encoding="utf-8")
    assert _imports(source, _modules()) == {"geomap.render.data"}


def test_using_the_store_loads_neither_render_nor_geocode(tmp_path):
    script = """if True:
        import sys
        from pathlib import Path
        from geomap.model import Article, Mention, Passage, Place
        from geomap.store import Store

        text = "Fighting near Odesa and Zzyzx."
        article = Article(id="a1", source="a1.txt", sha256="x", title="T", text=text,
                          passages=(Passage(0, 0, len(text)),))
        odesa = Place(id="g:1", name="Odesa", lat=46.48, lon=30.72, country="UA", kind="city")
        with Store(Path(sys.argv[1]) / "geomap.sqlite") as store:
            store.put_article(article, [Mention(14, 19, "Odesa", odesa, 0.9), Mention(24, 29, "Zzyzx", None)],
                              {"g:1": ["ua"]})
            rows = store.map_rows()
            assert [p.name for p in rows.places] == ["Odesa"] and len(list(rows.unplaced)) == 1
            assert [h.article_id for h in store.search("odesa")] == ["a1"]
            assert store.unplaced_names() and store.region_names() == {"ua"}
        print(sorted(m for m in sys.modules if m.startswith("geomap.")))
    """
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          check=True)
    loaded = ast.literal_eval(done.stdout)
    assert "geomap.store_search" in loaded
    assert [m for m in loaded if _outside_the_store(m)] == []


# --- no module reaches into another's private names (issue 10) --------------------------------------

def _private_imports(path: Path, modules) -> list[str]:
    """``from geomap.x import _name`` of one module, where ``_name`` is not itself a module: the
    package's ``_``-modules (``geomap._files``, ``geomap._csv``...) are shared plumbing, public inside it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{node.module}.{alias.name}" for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("geomap")
            for alias in node.names
            if alias.name.startswith("_") and not alias.name.startswith("__")
            and f"{node.module}.{alias.name}" not in modules]


def test_no_module_imports_another_modules_private_names():
    modules = _modules()
    found = {name: _private_imports(path, modules) for name, path in modules.items()}
    assert {name: names for name, names in found.items() if names} == {}


def test_the_private_import_finder_sees_one_and_spares_plumbing_modules(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from geomap.articles import _hidden, public\nfrom geomap import _files\n")
    assert _private_imports(module, _modules()) == ["geomap.articles._hidden"]
