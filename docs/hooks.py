"""MkDocs hook: build pages from the repository's own Markdown at build time.

The site must never hold a copy of a README (copies go stale), so pages under
docs/ carry directives, expanded here on every build:

- ``<!-- include: PATH -->`` pulls in a repository file (path from the repo
  root); ``<!-- include: PATH#Heading -->`` pulls in only the section whose
  heading starts with ``Heading``, up to the next heading of its level.
- ``<!-- api: MODULE -->`` writes a mkdocstrings block for each name in
  ``MODULE.__all__``, read statically from ``src/MODULE/__init__.py`` so a
  half-written package cannot break the build; an empty ``__all__`` gives a
  short note instead.
- ``<!-- wip: DIST -->`` becomes a "work in progress" notice while DIST's
  README still says so, and nothing once it does not.

Relative links inside included files are written from the repository's
point of view (``packages/loop-core/README.md``, ``../loop-core/README.md``).
They are re-pointed at the page that shows that file (``PAGES``), at a copy of
the file put into the site (images, other non-Markdown files), or, when the
target is outside the site (a sibling checkout, a Markdown file with no page),
turned into plain text, so ``mkdocs build --strict`` keeps passing as the
READMEs change.
"""

from __future__ import annotations

import ast
import logging
import posixpath
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.loop")

ROOT = Path(__file__).resolve().parent.parent

# Repository file -> the docs page that shows it.
PAGES = {
    "README.md": "index.md",
    "benchmarks/results/latest.md": "benchmarks.md",
    "conformance/RESULTS.md": "conformance.md",
}
for _readme in sorted(ROOT.glob("packages/*/README.md")):
    PAGES[f"packages/{_readme.parent.name}/README.md"] = (
        f"packages/{_readme.parent.name}.md"
    )

# The site's own pages, when a README links them by their repository path.
for _page in sorted((ROOT / "docs").rglob("*.md")):
    PAGES.setdefault(
        f"docs/{_page.relative_to(ROOT / 'docs').as_posix()}",
        _page.relative_to(ROOT / "docs").as_posix(),
    )

# Where copies of linked non-Markdown repository files go in the site.
ASSETS = "repo"

DIRECTIVE = re.compile(r"^<!--\s*(include|api|wip):\s*(\S+?)\s*-->[ \t]*$", re.M)
LINK = re.compile(r"(!?\[[^\]\n]*\])\(([^)\s]+)((?:\s+\"[^\"]*\")?)\)")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LIST_ITEM = re.compile(r"^(?:[-*+]|1[.)])[ \t]")
URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

# (page, link target) pairs already reported as outside the site.
_reported: set[tuple[str, str]] = set()


class DirectiveError(PluginError):
    """A directive that cannot be honoured fails the build, loudly."""


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Expand every page here, because expansion decides which repository
    files (images) must be added to the site before MkDocs sees the file
    list."""
    assets: set[str] = set()
    _reported.clear()
    for file in list(files.documentation_pages()):
        text = Path(file.abs_src_path or "").read_text(encoding="utf-8")
        _own_assets(text, file.src_uri, assets)
        _expand(text, file.src_uri, assets)
    for rel in sorted(assets):
        uri = f"{ASSETS}/{rel}"
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, abs_src_path=str(ROOT / rel)))
    return files


def _own_assets(text: str, page_uri: str, assets: set[str]) -> None:
    """A page's own links into ``repo/`` (the plot on the benchmarks page)
    name repository files to copy into the site."""
    for m in LINK.finditer(text):
        target = m.group(2).partition("#")[0]
        if URL_SCHEME.match(target):
            continue
        uri = posixpath.normpath(posixpath.join(posixpath.dirname(page_uri), target))
        if uri.startswith(ASSETS + "/"):
            rel = uri[len(ASSETS) + 1 :]
            if not (ROOT / rel).is_file():
                raise DirectiveError(f"{page_uri}: {target}: no file {rel}")
            assets.add(rel)


def on_page_markdown(
    markdown: str, *, page: Page, config: MkDocsConfig, files: Files
) -> str:
    # Expanded again (cheap): ``markdown`` has the front matter taken off.
    return _expand(markdown, page.file.src_uri, set())


def _expand(text: str, page_uri: str, assets: set[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        kind, arg = match.group(1), match.group(2)
        if kind == "include":
            return _include(arg, page_uri, assets)
        if kind == "api":
            return _api(arg)
        return _wip(arg)

    return DIRECTIVE.sub(replace, text)


def _include(arg: str, page_uri: str, assets: set[str]) -> str:
    rel, _, section = arg.partition("#")
    path = ROOT / rel
    if not path.is_file():
        raise DirectiveError(f"{page_uri}: include of missing file {rel}")
    text = path.read_text(encoding="utf-8")
    if section:
        text = _section(text, section.replace("_", " "), rel)
    text = _list_breaks(text)
    return _relink(text, posixpath.dirname(rel), page_uri, assets)


def _section(text: str, title: str, rel: str) -> str:
    """The lines from the heading starting with ``title`` to the next heading
    of the same or a higher level (headings inside code fences ignored)."""
    lines = text.splitlines(keepends=True)
    start = level = None
    in_fence = False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        m = None if in_fence else HEADING.match(line)
        if m is None:
            continue
        if start is None:
            if m.group(2).startswith(title):
                start, level = i, len(m.group(1))
        elif len(m.group(1)) <= (level or 0):
            return "".join(lines[start:i])
    if start is None:
        raise DirectiveError(f"{rel}: no heading starting with {title!r}")
    return "".join(lines[start:])


def _list_breaks(text: str) -> str:
    """A blank line before a list that follows a paragraph line: GitHub
    starts the list there, Python-Markdown would glue it onto the text."""
    out: list[str] = []
    in_fence = False
    prose = False  # the line before was paragraph text
    for line in text.splitlines(keepends=True):
        if FENCE.match(line):
            in_fence = not in_fence
        if in_fence or not line.strip():
            prose = False
        elif LIST_ITEM.match(line):
            if prose:
                out.append("\n")
            prose = False
        else:
            prose = not line.startswith((" ", "\t", "#", "|", ">", "<"))
        out.append(line)
    return "".join(out)


def _relink(text: str, src_dir: str, page_uri: str, assets: set[str]) -> str:
    """Re-point relative links outside code (fenced blocks, code spans), and
    read table cells the way GitHub does."""
    out: list[str] = []
    in_fence = False
    for line in text.splitlines(keepends=True):
        if FENCE.match(line):
            in_fence = not in_fence
        if in_fence or ("](" not in line and "\\|" not in line):
            out.append(line)
            continue
        # Even-numbered pieces are outside code spans.
        pieces = re.split(r"(`+[^`]*`+)", line)
        if line.lstrip().startswith("|"):
            # GitHub shows `a \| b` in a table cell as `a | b`; Python-Markdown
            # keeps the backslash but already splits cells outside code only.
            pieces[1::2] = [p.replace("\\|", "|") for p in pieces[1::2]]
        for i in range(0, len(pieces), 2):
            pieces[i] = LINK.sub(
                lambda m: _link(m, src_dir, page_uri, assets), pieces[i]
            )
        out.append("".join(pieces))
    return "".join(out)


def _link(m: re.Match[str], src_dir: str, page_uri: str, assets: set[str]) -> str:
    label, target, title = m.group(1), m.group(2), m.group(3)
    if URL_SCHEME.match(target) or target.startswith(("#", "/")):
        return m.group(0)
    path, _, anchor = target.partition("#")
    rel = posixpath.normpath(posixpath.join(src_dir, path))
    if rel in PAGES:
        dest = PAGES[rel]
    elif (
        not rel.startswith("../") and not rel.endswith(".md") and (ROOT / rel).is_file()
    ):
        dest = f"{ASSETS}/{rel}"
        assets.add(rel)
    else:
        if (page_uri, rel) not in _reported:
            _reported.add((page_uri, rel))
            log.info("%s: link to %s is outside the site; kept as text", page_uri, rel)
        return label[1:-1] if label.startswith("[") else label[2:-1]
    new = posixpath.relpath(dest, posixpath.dirname(page_uri) or ".")
    return f"{label}({new}{'#' + anchor if anchor else ''}{title})"


def _api(module: str) -> str:
    names = _public_names(module)
    blocks = [
        f"::: {module}\n    options:\n      members: false\n"
        "      show_root_heading: false\n      show_root_toc_entry: false\n"
    ]
    if names is None:
        blocks.append(f"::: {module}\n    options:\n      show_root_heading: false\n")
    elif not names:
        blocks.append(
            f"`{module}` exports no public names yet (its `__all__` is empty)."
        )
    blocks.extend(f"::: {module}.{name}\n" for name in names or ())
    return "\n".join(blocks)


def _public_names(module: str) -> list[str] | None:
    """``__all__`` of ``module`` without importing it; None when it is not
    a literal list of strings (mkdocstrings then applies ``__all__`` itself)."""
    dist = module.replace("_", "-")
    init = ROOT / "packages" / dist / "src" / module / "__init__.py"
    if not init.is_file():
        raise DirectiveError(f"api: no {init.relative_to(ROOT)}")
    tree = ast.parse(init.read_text(encoding="utf-8"))
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id == "__all__":
            try:
                names = ast.literal_eval(value) if value is not None else None
            except (ValueError, TypeError, SyntaxError):
                return None
            if isinstance(names, (list, tuple)) and all(
                isinstance(n, str) for n in names
            ):
                return list(names)
            return None
    return None


def _wip(dist: str) -> str:
    readme = ROOT / "packages" / dist / "README.md"
    if "work in progress" not in readme.read_text(encoding="utf-8").lower():
        return ""
    return (
        f'!!! warning "{dist} is work in progress"\n'
        f"    Its README still says so: what this page shows of {dist} "
        "is the planned interface, still to come.\n"
    )
