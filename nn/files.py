"""Model files: JSON written atomically, read back with every field checked. Never pickle."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any

FORMAT = "valuegrad.model"
VERSION = 1
KEYS = ("format", "version", "model", "parameters")  # a model file holds these and no others

# load reads regular files of at most this many bytes: about 5 million parameters at the
# ~53 bytes each that `save` writes. Raise it here for a bigger model.
MAX_FILE_BYTES = 256 * 2**20

# JSON this deep is not a model file: a model file is 2 deep, an optimizer's state dict 4
MAX_DEPTH = 32


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
    A symlink is followed (its target is updated, as editors do); an existing file keeps
    its permissions, a new one gets the umask's. The temporary name holds the process id,
    so a later save to the same path removes what a killed process left behind.
    """
    path = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    prefix = _temp_prefix(path)
    tmp = path.parent / f"{prefix}{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # 0o666 minus the umask
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            if mode is not None:
                os.chmod(tmp, mode)  # before any byte is written
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _remove_stale(path.parent, prefix)


def _temp_prefix(path: Path) -> str:
    """The start of every temporary name for saves to `path`: ".name.", or, for a name too
    long to leave room for the rest, its first 40 characters and a hash of the whole."""
    name = path.name
    try:
        name_max = os.pathconf(path.parent, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or no answer
        name_max = 255
    room = 32  # for the process id, 8 random hex digits, the dots and ".tmp"
    if len(os.fsencode(f".{name}.")) + room > name_max:
        digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
        name = f"{name[:40]}~{digest}"
    return f".{name}."


def _remove_stale(folder: Path, prefix: str) -> None:
    """Remove the temporary files of saves (prefix, pid, random part) whose process is gone."""
    if os.name != "posix":  # no safe way to ask whether a process id is alive
        return
    pattern = re.compile(re.escape(prefix) + r"([0-9]+)\.[0-9a-f]{8}\.tmp")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match and not _alive(int(match[1])):
            try:
                os.unlink(folder / name)
            except OSError:  # gone already, or not ours to remove
                pass


def _alive(pid: int) -> bool:
    """Whether process `pid` exists (on this machine)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; or not a pid at all
        return True
    return True


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


def read_text(path: str | os.PathLike, where: str) -> str:
    """The text of a regular file of at most MAX_FILE_BYTES; a ValueError naming `where` for
    anything else (a FIFO or a device could block or never end)."""
    # O_NONBLOCK: opening a FIFO that has no writer must not wait for one
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ValueError(f"{where}: {path} is not a regular file")
    with os.fdopen(fd, "rb") as f:
        too_big = info.st_size > MAX_FILE_BYTES
        data = b"" if too_big else f.read(MAX_FILE_BYTES + 1)  # + 1: catches one that grew
    if too_big or len(data) > MAX_FILE_BYTES:
        raise ValueError(
            f"{where}: {path} is larger than nn.files.MAX_FILE_BYTES ({MAX_FILE_BYTES} bytes)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: {path} is not a text model file ({error})") from None


def parse_json(text: str, where: str) -> Any:
    """JSON text as Python objects; a ValueError naming `where` for invalid JSON, a key given
    twice in one object, or nesting deeper than MAX_DEPTH."""
    if not text.strip():
        raise ValueError(f"{where} is empty")
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where} is not valid JSON ({error})") from None
    except RecursionError:
        raise ValueError(f"{where} is nested more than {MAX_DEPTH} deep") from None
    except ValueError as error:  # a duplicate key, or an int of more than 4300 digits
        raise ValueError(f"{where}: {error}") from None
    check_depth(value, where)
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key that appears twice (json keeps the last)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r:.60} appears twice in one object")
        result[key] = value
    return result


def check_depth(value: Any, where: str) -> None:
    """A ValueError naming `where` if lists, tuples and dicts in `value` nest more than
    MAX_DEPTH deep; checked without recursion, so any depth is safe to check."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, (list, tuple)):
            continue
        if depth > MAX_DEPTH:
            raise ValueError(f"{where} is nested more than {MAX_DEPTH} deep")
        stack.extend((v, depth + 1) for v in item)


def read_model(path: str | os.PathLike, model_type: str) -> dict[str, Any]:
    """The parameters stored in a model file, after checking its format; ValueError if broken."""
    _path(path, "load")
    payload = parse_json(read_text(path, "load"), f"load: {path}")
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a valuegrad model file (no format {FORMAT!r})")
    if payload.get("version") != VERSION:
        raise ValueError(f"load: {path} has version {payload.get('version')!r}; expected {VERSION}")
    unknown = [key for key in payload if key not in KEYS]
    if unknown:
        raise ValueError(f"load: {path} has unknown keys {unknown!r:.80}; a model file has {KEYS}")
    if payload.get("model") != model_type:
        raise ValueError(f"load: {path} holds a {payload.get('model')!r}, not a {model_type!r}")
    parameters = payload.get("parameters")
    if not isinstance(parameters, dict):
        raise ValueError(f"load: {path} has no 'parameters' object")
    return parameters
