#!/usr/bin/env python3
"""Writes features/README.md from its template (features/vsphere/README.template.md): each {{file:title prefix}} becomes
a link to the scenario of features/vsphere/file.feature whose title starts with the prefix, as file.feature:line."""
import pathlib, re, sys

here = pathlib.Path(__file__).resolve().parent
template = (here / "README.template.md").read_text()
scenarios = {}
for feature in sorted(here.glob("*.feature")):
    for n, line in enumerate(feature.read_text().splitlines(), 1):
        m = re.match(r"\s*Scenario(?: Outline)?:\s*(.*)", line)
        if m: scenarios.setdefault(feature.stem, []).append((n, m.group(1).strip()))

def link(m):
    stem, prefix = m.group(1), m.group(2)
    hits = [(n, t) for n, t in scenarios.get(stem, []) if t.startswith(prefix)]
    if len(hits) != 1: sys.exit(f"{stem}: {len(hits)} scenarios start with '{prefix}'")
    n, title = hits[0]
    return f"[{stem}.feature:{n}](vsphere/{stem}.feature#L{n}) {title}"

out = re.sub(r"\{\{([\w-]+):([^}]+)\}\}", link, template)
(here.parent / "README.md").write_text(out)
print(f"wrote {here.parent / 'README.md'}")
