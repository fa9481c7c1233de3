"""What the benchmark scripts share: the peers' own environments and workers, Markdown tables, machine facts.

Not a script: ``bench_peers.py`` and ``bench_shapes.py`` import it (they run with this folder on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
VENVS = HERE / ".venvs"
LIFETIMES_REQUIREMENTS = ["lifetimes==0.11.3", "numpy<2", "pandas<2.2", "scipy<1.12"]

PEERS = {
    # name: (requirements of its own virtual environment, worker script)
    "lifetimes": (LIFETIMES_REQUIREMENTS, "_peer_lifetimes.py"),
    "pymc-marketing": (["pymc-marketing"], "_peer_pymc.py"),
}


def peer_python(name: str) -> Path | None:
    """The peer's own environment's python, created on first use; None if it cannot be installed."""
    python = VENVS / name / "bin" / "python"
    if python.exists():
        return python
    VENVS.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENVS / name)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEERS[name][0]], check=True)
    except subprocess.CalledProcessError as exc:
        print(f"{name} could not be installed ({exc}); its columns stay empty", file=sys.stderr)
        return None
    return python


def run_peer(
    name: str, python: Path | None, task: str, data: pd.DataFrame, repeat: int, timeout: float = 3600
) -> dict | None:
    """Run one task of a peer's worker on ``data`` in its own process; its JSON answer, or None if it failed."""
    if python is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.npz"
        np.savez(path, **{c: data[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value")})
        try:
            done = subprocess.run(
                [str(python), str(HERE / PEERS[name][1]), task, str(path), str(repeat)],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            print(f"{name} {task} timed out after {timeout:.0f} s", file=sys.stderr)
            return None
    if done.returncode != 0:
        print(f"{name} {task} failed: {scrub(done.stderr.strip().splitlines()[-1:])}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def scrub(text: object) -> str:
    """``text`` without this machine's absolute paths (for anything that ends up in a results file)."""
    out = str(text).replace(str(HERE.parent), ".").replace(tempfile.gettempdir(), "<tmp>")
    return re.sub(r"(?<![\w.<])/(?:[\w.+-]+/)+[\w.+-]*", "<path>", out)


def markdown(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (numbers to 4 significant digits)."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if np.isnan(value) else f"{value:.4g}"
        return str(value)

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def machine() -> str:
    """The machine in a few words: CPU model, cores, memory, operating system, Python."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
        model = names[0] if names else model
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{model} ({platform.machine()}), {os.cpu_count()} cores, {memory_gb:.0f} GB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def write_section(path: Path, name: str, text: str) -> None:
    """Put ``text`` into the results file between the markers of section ``name``, keeping everything else.

    A file without those markers gets the section at its end; the file is written to a temporary name and
    renamed into place.
    """
    begin, end = f"<!-- begin {name} (generated) -->", f"<!-- end {name} -->"
    block = f"{begin}\n{text.rstrip()}\n{end}"
    old = path.read_text() if path.exists() else "# pyclv benchmarks\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + block + rest.split(end, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new)
    tmp.replace(path)
