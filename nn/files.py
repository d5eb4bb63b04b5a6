"""Model files: JSON written atomically, read back with every field checked. Never pickle."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT = "valuegrad.model"
VERSION = 1


def _path(path: Any, where: str) -> Path:
    """`path` as a Path; a TypeError naming `where` when it is not a str or os.PathLike."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{where}: path must be a str or os.PathLike, got {type(path).__name__} {path!r:.60}"
        )
    return Path(path)


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`.

    A crash or a full disk leaves either the old file or the new one, never half of one.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_model(path: str | os.PathLike, model_type: str, parameters: dict[str, float]) -> None:
    """Save parameters as a JSON model file (non-finite values cannot be saved)."""
    path = _path(path, "save")
    payload = {"format": FORMAT, "version": VERSION, "model": model_type, "parameters": parameters}
    try:
        text = json.dumps(payload, indent=1, allow_nan=False)
    except ValueError:
        bad = next(k for k, v in parameters.items() if v != v or v in (float("inf"), -float("inf")))
        raise ValueError(
            f"save: parameter {bad!r} is {parameters[bad]!r}; refusing to save it"
        ) from None
    write_atomic(path, text + "\n")


def read_model(path: str | os.PathLike, model_type: str) -> dict[str, Any]:
    """The parameters stored in a model file, after checking its format; ValueError if broken."""
    _path(path, "load")
    try:
        text = Path(path).read_text(encoding="utf-8")
        payload = json.loads(text)
    except UnicodeDecodeError as error:
        raise ValueError(f"load: {path} is not a text model file ({error})") from None
    except json.JSONDecodeError as error:
        what = "empty" if not text.strip() else f"not valid JSON ({error})"
        raise ValueError(f"load: {path} is {what}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a valuegrad model file (no format {FORMAT!r})")
    if payload.get("version") != VERSION:
        raise ValueError(f"load: {path} has version {payload.get('version')!r}; expected {VERSION}")
    if payload.get("model") != model_type:
        raise ValueError(f"load: {path} holds a {payload.get('model')!r}, not a {model_type!r}")
    parameters = payload.get("parameters")
    if not isinstance(parameters, dict):
        raise ValueError(f"load: {path} has no 'parameters' object")
    return parameters
