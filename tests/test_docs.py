"""The README and docs/ say what can be checked: links and anchors resolve inside the repository, file paths
they name exist, every `hrkeras ...` command parses with the CLI's own parser (recipes and models by existing
names), every Python block parses and names existing hrkeras API, and the README's notebook example runs."""
import ast
import importlib
import re
import shlex
from pathlib import Path

import keras
import pytest

import hrkeras
from hrkeras.cli.main import build_parser
from hrkeras.training.configs import list_configs

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "mobile" / "METADATA.md",
        ROOT / "mobile" / "web" / "README.md", ROOT / "mobile" / "android" / "README.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
REPO_PATH = re.compile(r"(hrkeras|tests|benchmarks|mobile|docs|\.ci)/[\w./-]*")
OUTSIDE = re.compile(r"REFERENCE\.md|\.\./shared|/work/|/home/")
NOTEBOOK = re.compile(r"<!-- notebook-example[^>]*-->\n```python\n(.*?)```", re.DOTALL)


def _text(path):
    return path.read_text(encoding="utf-8")


def _anchors(path):
    """GitHub's heading anchors: lower case, punctuation but '-' and '_' dropped, spaces to '-'."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", _text(path)), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_and_paths_stay_in_the_repository_and_exist(doc):
    text = _text(doc)
    assert not OUTSIDE.search(text), f"{doc.name} names a file outside the repository: {OUTSIDE.search(text)[0]}"
    for target in LINK.findall(SPAN.sub("", FENCE.sub("", text))):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        resolved = (doc.parent / file).resolve() if file else doc
        assert resolved.is_relative_to(ROOT), f"{doc.name}: link {target} leaves the repository"
        assert resolved.exists(), f"{doc.name}: link {target} points at nothing"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{doc.name}: no heading #{anchor} in {file or doc.name}"
    if doc.parent in (ROOT, ROOT / "docs"):  # the mobile pages name paths relative to their own folder
        for span in SPAN.findall(text):
            if REPO_PATH.fullmatch(span) and not re.search(r"[*<>]|\.\.\.", span):
                assert (ROOT / span).exists(), f"{doc.name} names {span}, which is not in the repository"


def _commands(text):
    """Every `hrkeras ...` command in shell blocks (continuations joined, comments dropped) and code spans."""
    found = []
    for lang, body in FENCE.findall(text):
        if lang in ("bash", "sh", ""):
            for line in body.replace("\\\n", " ").splitlines():
                for part in line.split("#")[0].split("&&"):
                    found.append(part.strip())
    found += SPAN.findall(text)
    commands = []
    for command in found:
        words = shlex.split(command) if command else []
        if len(words) > 1 and words[0].split("/")[-1] == "hrkeras" and not words[1].endswith(":"):
            commands.append(words[1:])  # a word ending with ':' is the CLI's error format, not a command
    return commands


def test_every_hrkeras_command_in_the_docs_parses():
    from hrkeras.nas.recipes import SEARCHES

    parser, configs, models = build_parser(), set(list_configs()) | set(SEARCHES), set(hrkeras.list_models())
    subcommands = set(next(a for a in parser._actions if a.dest == "command").choices)
    commands = [(doc.name, words) for doc in DOCS for words in _commands(_text(doc))]
    assert len(commands) > 20  # the README's and the docs' commands were found
    for doc, words in commands:
        if len(words) == 1:  # `hrkeras convert` names a command
            assert words[0] in subcommands, f"{doc}: no command `hrkeras {words[0]}`"
            continue
        if words in (["COMMAND", "--help"], ["--debug", "COMMAND"]) or "|" in words:
            continue  # the README's placeholders for any command
        try:
            args = parser.parse_args(words)
        except SystemExit as done:
            assert done.code == 0, f"{doc}: `hrkeras {shlex.join(words)}` does not parse"
            continue
        config, model = getattr(args, "config", None), getattr(args, "model", None)
        assert config is None or config in configs, f"{doc}: no recipe {config} (hrkeras {shlex.join(words)})"
        if isinstance(model, str) and not re.search(r"[./]", model) and model.upper() != model:
            assert model in models, f"{doc}: no model {model} (hrkeras {shlex.join(words)})"


def _hrkeras_names(tree):
    """Dotted names rooted at `hrkeras` in a parsed block: hrkeras.X, hrkeras.a.b.f."""
    names = []
    for node in ast.walk(tree):
        chain = []
        while isinstance(node, ast.Attribute):
            chain.insert(0, node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id == "hrkeras" and chain:
            names.append(chain)
    return names


def _resolves(chain):
    """True when hrkeras.<chain> is an attribute or a submodule (longest prefix first)."""
    obj = hrkeras
    for i, part in enumerate(chain):
        if not hasattr(obj, part):
            try:
                obj = importlib.import_module(".".join(["hrkeras", *chain[:i + 1]]))
                continue
            except ModuleNotFoundError:
                return False
        obj = getattr(obj, part)
    return True


@pytest.mark.parametrize("doc", DOCS[:-3], ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_parse_and_name_existing_api(doc):
    for lang, body in FENCE.findall(_text(doc)):
        if lang == "python":
            for chain in _hrkeras_names(ast.parse(body)):
                assert _resolves(chain), f"{doc.name}: hrkeras.{'.'.join(chain)} does not exist"


def test_readme_notebook_example_runs(monkeypatch, tiny_model_file):
    """The README's five lines, with LiteHRNet18() standing for the tiny model (the full-size run is the wheel's
    slow test, tests/test_packaging.py)."""
    (code,) = NOTEBOOK.findall(_text(ROOT / "README.md"))
    tree = ast.parse(code)
    assert {c[0] for c in _hrkeras_names(tree)} <= set(hrkeras.__all__)
    monkeypatch.setattr(hrkeras, "LiteHRNet18", lambda **kwargs: keras.models.load_model(tiny_model_file))
    *body, last = tree.body
    namespace = {}
    with pytest.warns(UserWarning, match="carries no codec"):  # an untrained model: the default codec is named
        exec(compile(ast.Module(body, []), "README.md", "exec"), namespace)
    drawn = eval(compile(ast.Expression(last.value), "README.md", "eval"), namespace)
    people = namespace["people"]
    assert len(people) == 1 and people[0].keypoints.shape == (17, 2) and people[0].names[0] == "nose"
    assert drawn.size == (512, 512)  # PIL's (width, height) of the astronaut photo
