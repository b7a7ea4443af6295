"""Bounded, safe reading of JSON and YAML files (private): the one reader behind
:func:`neuronsim.load`, :func:`neuronsim.spec.load_spec_file`,
:func:`neuronsim.tables.load_csv` and the command line.

Reading a file here

- checks the path (a str or os.PathLike without NUL bytes, naming an existing regular file or a
  pipe; a folder, a device such as ``/dev/zero`` or a socket is refused);
- reads at most ``max_bytes + 1`` bytes, so an endless or huge file is refused after reading
  only the bytes the limit allows (the size a regular file reports is checked first);
- decodes UTF-8 (a byte order mark is allowed);
- checks the nesting depth before parsing, without recursion (JSON: a scan of the brackets;
  YAML: a pass over the parser's events, which also bounds what aliases may expand to);
- parses plain data only: JSON, or YAML through a SafeLoader subclass (no tags that build
  objects), refusing duplicate keys, which would otherwise be resolved silently.

Every problem raises the ``error`` class the caller passes, with a message that starts with the
file (shown safely: a long or odd path is cut and quoted) and says what is wrong.
"""

import json
import numbers
import os
import re
import stat

import numpy as np
import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

from ._checks import shown
from .errors import FileFormatError, NeuronsimTypeError, SpecError

MAX_BYTES = 32 * 2**20
"""Default size limit of a file, in bytes (32 MiB).

Measured (CPython 3.11, peak RSS): parsing a saved network takes about 12 bytes of memory per
byte of file, so a network file at the limit parses within about 400 MB (and in a few seconds);
the worst case, a file of nothing but empty objects, takes about 30 bytes per byte. A saved
network of a million links is about 25 MB.
"""

MAX_DEPTH = 100
"""Deepest nesting of lists and objects a file may have (network and spec files nest < 6)."""

MAX_ALIAS_NODES = 100_000
"""How many nodes YAML aliases may add to a document in total (each alias counts the full size
of what it repeats): enough for reusing a few layers, far below a "billion laughs" expansion."""


class SpecFileError(SpecError, FileFormatError):
    """A spec file that cannot be read or parsed: both a SpecError (what spec files always raised)
    and a FileFormatError (what a file problem raises everywhere else)."""


def display(where):
    """The path as an error message shows it: as is when short and printable, else cut and quoted."""
    if len(where) <= 300 and where.isprintable():
        return where
    return shown(where)


def checked_path(path, error=FileFormatError):
    """``os.fspath(path)`` as a str, refusing other types and NUL bytes."""
    if not isinstance(path, (str, os.PathLike)):
        raise NeuronsimTypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    try:
        where = os.fsdecode(os.fspath(path))
    except (TypeError, ValueError) as err:  # a PathLike returning something else, undecodable bytes
        raise error(f"{shown(path)}: not a usable path ({err})") from None
    if "\0" in where:
        raise error(f"{display(where)}: not a usable path: it holds a NUL byte")
    if not where:
        raise error("'': not a usable path: it is empty")
    return where


def limit(value, default, name):
    """A size limit from a keyword argument: ``default`` for None, else a positive int."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise NeuronsimTypeError(f"{name} must be None or a positive integer, got {shown(value)}")
    return int(value)


def read_bytes(where, *, max_bytes, error=FileFormatError, what="file", argument="max_bytes"):
    """The bytes of a regular file or a pipe, at most ``max_bytes`` of them (else ``error``)."""
    shown_where = display(where)
    too_big = (f"{shown_where}: the {what} is larger than {max_bytes:,} bytes, the size limit; "
               f"pass {argument}= a larger number of bytes to read it anyway")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:  # non-blocking open: a FIFO without a writer must not hang the open
        fd = os.open(where, flags)
    except FileNotFoundError:
        raise error(f"{shown_where}: no such {what}") from None
    except IsADirectoryError:
        raise error(f"{shown_where}: is a directory, not a {what}") from None
    except OSError as err:
        if os.path.isdir(where):  # Windows refuses to open folders with a PermissionError
            raise error(f"{shown_where}: is a directory, not a {what}") from None
        raise error(f"{shown_where}: cannot read the {what} ({err.strerror or type(err).__name__})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{shown_where}: is a directory, not a {what}")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
            raise error(f"{shown_where}: is {_kind(info.st_mode)}, not a regular file or a pipe")
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            raise error(too_big)
        if flags & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)  # now wait for a pipe's writer, who exists or has finished
        data = bytearray()
        while len(data) <= max_bytes:  # never trust the reported size: read at most max_bytes + 1
            chunk = os.read(fd, min(1 << 22, max_bytes + 1 - len(data)))
            if not chunk:
                break
            data += chunk
        if len(data) > max_bytes:
            raise error(too_big)
        return bytes(data)
    except OSError as err:
        raise error(f"{shown_where}: cannot read the {what} ({err.strerror or type(err).__name__})") from None
    finally:
        os.close(fd)


def _kind(mode):
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"  # pragma: no cover - every other kind is tested above


def decode(data, where, *, error=FileFormatError, what="file", prefix=""):
    """UTF-8 text (a byte order mark is dropped) from non-empty ``data``."""
    if not data.strip():
        raise error(f"{display(where)}: the {what} is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        hint = " (it looks like a pickle; neuronsim never unpickles)" if data[:1] == b"\x80" else ""
        lead = prefix or f"cannot read {what}: "
        raise error(f"{display(where)}: {lead}not UTF-8 text (byte {err.start}){hint}") from None


# --- JSON -----------------------------------------------------------------------------------------

_JSON_ESCAPE = re.compile(rb"\\.", re.S)
_NOT_MARKS = bytes(c for c in range(256) if c not in b'[]{}"')
_CHUNK = 1 << 22  # marks counted by numpy at a time in json_depth


def json_depth(data):
    """The deepest nesting of ``[``/``{`` in JSON bytes, found without recursion or parsing.

    Escapes (``\\"``, ``\\\\``, ...) are dropped, then everything but quotes and brackets; a
    bracket counts when an even number of quotes precede it (it is outside every string).
    UTF-8 never puts a ``"`` or ``\\`` byte inside a multi-byte character, so this works on the
    raw bytes. numpy does the counting, a few million marks at a time (bounded memory); it takes
    a small fraction of the time json.loads takes.
    """
    if b"\\" in data:
        data = _JSON_ESCAPE.sub(b"", data)
    marks = np.frombuffer(data.translate(None, _NOT_MARKS), dtype=np.uint8)
    deepest = depth = quotes = 0
    for start in range(0, marks.size, _CHUNK):
        part = marks[start:start + _CHUNK]
        # uint8 sums wrap at 256, which keeps their parity: all that is needed here
        seen = np.cumsum(part == ord('"'), dtype=np.uint8) + np.uint8(quotes)
        outside = (seen & 1) == 0
        quotes = int(seen[-1]) & 1
        steps = (((part == ord("[")) | (part == ord("{"))) & outside).astype(np.int32)
        steps -= ((part == ord("]")) | (part == ord("}"))) & outside
        running = np.cumsum(steps, dtype=np.int64) + depth
        deepest, depth = max(deepest, int(running.max())), int(running[-1])
    return deepest


class _DuplicateKey(Exception):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _duplicate_message(key):
    name = shown(key)
    return f"duplicate key {name} in one object; a file with two {name} keys is ambiguous"


_AT = "not valid JSON at line {line} column {column} ({msg}){hint}"


def parse_json(data, where, *, error=FileFormatError, what="file", parse_constant=None, prefix="", at=_AT):
    """Plain data from JSON bytes: depth checked first, duplicate keys refused.

    ``at`` formats a syntax error's message from ``line``, ``column``, ``msg`` and ``hint``.
    """
    text = decode(data, where, error=error, what=what, prefix=prefix)
    if json_depth(data) > MAX_DEPTH:
        raise error(f"{display(where)}: {prefix}JSON nested too deeply (more than {MAX_DEPTH} levels)")
    try:
        return json.loads(text, parse_constant=parse_constant, object_pairs_hook=_unique_keys)
    except _DuplicateKey as dup:
        raise error(f"{display(where)}: {prefix}{_duplicate_message(dup.key)}") from None
    except json.JSONDecodeError as err:
        truncated = err.pos >= len(text.rstrip()) or err.msg.startswith("Unterminated string")
        hint = "; the file looks truncated" if truncated else ""
        message = at.format(line=err.lineno, column=err.colno, msg=err.msg, hint=hint)
        raise error(f"{display(where)}: {message}") from None
    except RecursionError:  # a backstop: the depth was checked above
        raise error(f"{display(where)}: {prefix}JSON nested too deeply") from None
    except ValueError as err:  # e.g. an integer literal longer than Python converts
        raise error(f"{display(where)}: not valid JSON ({one_line(str(err))})") from None


def one_line(text, limit=200):
    """``text`` on one line (runs of whitespace made one space), cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


# --- YAML -----------------------------------------------------------------------------------------

_YAML_BASE = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class YamlLoader(_YAML_BASE):
    """YAML's safe loader (plain data, no code; libyaml's parser when installed) reading ``1e-3``
    as a float, as YAML 1.2 does, and refusing a mapping that repeats a key."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *base" merges on purpose
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    raise _DuplicateKey(key)
                seen.add(key)
            except TypeError:  # an unhashable key: the base class reports it
                pass
        return super().construct_mapping(node, deep)


YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                   |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                   |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                   |[-+]?\.(?:inf|Inf|INF)
                   |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


class _Refused(Exception):
    pass


def _check_yaml_events(text):
    """Walk the parser's events (no recursion): refuse deep nesting and runaway aliases."""
    depth = 0
    counts = [0]        # nodes of each open collection, expanded through aliases
    anchors = [None]    # the anchor of each open collection
    sizes = {}          # anchor -> expanded size of its finished node
    added = 0           # nodes added by aliases in total
    loader = YamlLoader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Refused(f"YAML nested too deeply (more than {MAX_DEPTH} levels)")
                counts.append(1)
                anchors.append(event.anchor)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
                count, anchor = counts.pop(), anchors.pop()
                counts[-1] += count
                if anchor is not None:
                    sizes[anchor] = count
            elif isinstance(event, ScalarEvent):
                counts[-1] += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, AliasEvent):
                if event.anchor in anchors:
                    raise _Refused(f"the alias *{one_line(event.anchor, 60)} refers to a node that contains it")
                size = sizes.get(event.anchor, 1)  # an undefined alias: the composer reports it
                added += size
                if added > MAX_ALIAS_NODES:
                    raise _Refused(f"YAML aliases expand to more than {MAX_ALIAS_NODES:,} nodes")
                counts[-1] += size
    finally:
        loader.dispose()


def parse_yaml(data, where, *, error=FileFormatError, what="file", prefix=""):
    """Plain data from YAML bytes: depth and aliases checked first, duplicate keys refused."""
    text = decode(data, where, error=error, what=what, prefix=prefix)
    try:
        _check_yaml_events(text)
        loader = YamlLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except _Refused as err:
        raise error(f"{display(where)}: {prefix}{err}") from None
    except _DuplicateKey as dup:
        raise error(f"{display(where)}: {prefix}{_duplicate_message(dup.key)}") from None
    except yaml.YAMLError as err:
        if "nesting depth" in str(err):  # PyYAML's pure-Python scanner has a depth limit of its own
            raise error(f"{display(where)}: {prefix}YAML nested too deeply (more than {MAX_DEPTH} levels)") from None
        raise error(f"{display(where)}: not valid YAML ({one_line(str(err), 300)})") from None
    except RecursionError:  # a backstop: the depth was checked above
        raise error(f"{display(where)}: {prefix}YAML nested too deeply") from None


def read_json(path, *, max_bytes=None, parse_constant=None, prefix=""):
    """``(where, data)``: the path as a str and the plain data of a JSON file."""
    where = checked_path(path)
    data = read_bytes(where, max_bytes=limit(max_bytes, MAX_BYTES, "max_bytes"))
    return where, parse_json(data, where, parse_constant=parse_constant, prefix=prefix)
