"""Bounded, safe reading of network and spec files (neuronsim._reader and its users: neuronsim.load,
Network.from_spec on a path, the command line), and the temporary files of atomic saves."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronsim
from neuronsim import _atomic, _reader, io
from neuronsim._cli_data import load_network
from neuronsim.cli import main
from neuronsim.errors import FileFormatError, NeuronsimTypeError, SpecError
from neuronsim.network import Network

DEEP = "[" * 100000 + "]" * 100000


def saved(path):
    """A small saved network at ``path``."""
    net = Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    net.save(path)
    return net


def block_yaml(depth):
    """A YAML document of block-style sequences nested ``depth`` deep."""
    return "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "- 1\n"


# --- deep nesting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, text", [
    ("deep.json", DEEP),
    ("deep.yaml", DEEP),
    ("deep995.json", "[" * 995 + "]" * 995),
    ("block.yaml", block_yaml(995)),
    ("map.yaml", "".join("  " * i + "k:\n" for i in range(995)) + "  " * 995 + "k: 1\n"),
])
def test_a_deeply_nested_spec_file_is_refused_quickly_without_recursion_error(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"nested too deeply \(more than 100 levels\)") as info:
        Network.from_spec(path)
    assert time.perf_counter() - start < 5
    assert isinstance(info.value, FileFormatError)
    assert str(info.value).startswith(f"{path}: ")


def test_a_spec_file_nested_as_deep_as_the_limit_is_read(tmp_path):
    path = tmp_path / "hundred.json"
    path.write_text("[" * 100 + "]" * 100)
    assert neuronsim.spec.load_spec_file(path) is not None


def test_closing_brackets_inside_strings_cannot_hide_deep_nesting(tmp_path):
    path = tmp_path / "hidden.json"
    path.write_text('["' + "]" * 5000 + '", ' + "[" * 500 + "]" * 500 + "]")
    with pytest.raises(SpecError, match="nested too deeply"):
        Network.from_spec(path)


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    path = tmp_path / "net.json"
    saved(path)
    document = json.loads(path.read_text())
    document["metadata"] = {"note": "[" * 5000 + "{" * 5000, "escaped": "\\\"[[[["}
    path.write_text(json.dumps(document))
    assert io.load(path, with_extras=True).metadata["note"] == "[" * 5000 + "{" * 5000


@given(st.recursive(st.none() | st.integers() | st.text("[]{}\"\\ab", max_size=5),
                    lambda children: st.lists(children, max_size=3)
                    | st.dictionaries(st.text("[]{}\"\\k", max_size=3), children, max_size=3),
                    max_leaves=30))
@settings(max_examples=200, deadline=None)
def test_json_depth_is_the_true_nesting_depth(value):
    def depth(item):
        if isinstance(item, list):
            return 1 + max(map(depth, item), default=0)
        if isinstance(item, dict):
            return 1 + max(map(depth, item.values()), default=0)
        return 0

    data = json.dumps(value).encode()
    chunk = _reader._CHUNK
    try:
        _reader._CHUNK = 3  # counted in tiny pieces, so that strings and nesting span them
        assert _reader.json_depth(data) == depth(value)
    finally:
        _reader._CHUNK = chunk
    assert _reader.json_depth(data) == depth(value)


def test_the_command_line_reports_a_deep_file_in_one_line(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "nested too deeply" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_a_deeply_nested_python_value_in_a_spec_is_a_spec_error():
    deep = []
    for _ in range(100000):
        deep = [deep]
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"layers\[1\] must be \(activation, size\).*got \[\[\[\[\.\.\.\]\]\]\]"):
        Network.from_spec([("identity", 2), deep])
    with pytest.raises(SpecError, match="nested too deeply"):
        Network.from_spec({"layers": [("identity", 1), ("sigmoid", 1)], "edges": [[deep, "o1"]]})
    assert time.perf_counter() - start < 5


# --- bounded messages and aliases ----------------------------------------------------------------

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


def test_a_billion_laughs_yaml_file_is_refused_with_a_short_message(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text("layers:\n  - [identity, 1]\n  - [sigmoid, 1]\n" + LAUGHS)
    start = time.perf_counter()
    with pytest.raises(SpecError, match="YAML aliases expand to more than 100,000 nodes") as info:
        Network.from_spec(path)
    assert time.perf_counter() - start < 5 and len(str(info.value)) < 500


def test_a_recursive_alias_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("layers: &a [[identity, 1], *a]\n")
    with pytest.raises(SpecError, match=r"the alias \*a refers to a node that contains it"):
        Network.from_spec(path)


# --- unbounded reads ------------------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(FileFormatError, match=r"^/dev/zero: is a character device, not a regular file or a pipe$"):
        neuronsim.load("/dev/zero")
    assert time.perf_counter() - start < 2


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_link_to_dev_zero_is_refused_as_a_spec_file(tmp_path):
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(SpecError, match=r"zero\.json: is a character device, not a regular file or a pipe"):
        Network.from_spec(link)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_the_command_line_refuses_dev_zero(capsys):
    assert main(["check", "/dev/zero"]) == 1
    assert "/dev/zero: is a character device" in capsys.readouterr().err


def test_a_huge_file_is_refused_by_its_size_in_seconds(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:
        file.truncate(2**30)  # sparse: takes no disk space
    start = time.perf_counter()
    with pytest.raises(FileFormatError, match=r"huge\.json: the file is larger than 33,554,432 bytes, the size "
                                              r"limit; pass max_bytes= a larger number of bytes to read it anyway"):
        neuronsim.load(path)
    with pytest.raises(SpecError, match=r"huge\.json: the spec file is larger than 33,554,432 bytes"):
        Network.from_spec(path)
    assert time.perf_counter() - start < 2


def test_max_bytes_bounds_and_raises_the_size_limit(tmp_path):
    path = tmp_path / "net.json"
    net = saved(path)
    size = path.stat().st_size
    with pytest.raises(FileFormatError, match=f"larger than {size - 1:,} bytes"):
        neuronsim.load(path, max_bytes=size - 1)
    assert neuronsim.load(path, max_bytes=size).parameters() == net.parameters()
    spec = tmp_path / "spec.yaml"
    spec.write_text("- [identity, 1]\n- [sigmoid, 1]\n")
    with pytest.raises(SpecError, match="larger than 10 bytes"):
        Network.from_spec(spec, max_bytes=10)
    assert len(Network.from_spec(spec, max_bytes=10**9)) == 2


def test_a_yaml_spec_file_has_a_smaller_default_size_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (4 * 2**20) + "\n- [identity, 1]\n- [sigmoid, 1]\n")
    with pytest.raises(SpecError, match=r"big\.yaml: the spec file is larger than 4,194,304 bytes"):
        Network.from_spec(path)
    assert len(Network.from_spec(path, max_bytes=5 * 2**20)) == 2


def test_the_module_default_size_limit_is_read_at_each_call(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    saved(path)
    monkeypatch.setattr(io, "MAX_BYTES", 100)
    with pytest.raises(FileFormatError, match="larger than 100 bytes"):
        neuronsim.load(path)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_a_bad_size_limit_is_a_type_error(tmp_path, value):
    with pytest.raises(NeuronsimTypeError, match="max_bytes must be None or a positive integer"):
        neuronsim.load(tmp_path / "net.json", max_bytes=value)
    with pytest.raises(NeuronsimTypeError, match="max_links must be None or a positive integer"):
        Network.from_spec([("identity", 1), ("sigmoid", 1)], max_links=value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_pipe_without_a_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(FileFormatError, match="the file is empty"):
        neuronsim.load(fifo)
    assert time.perf_counter() - start < 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_network_is_read_from_a_pipe(tmp_path):
    saved(tmp_path / "net.json")
    text = (tmp_path / "net.json").read_bytes()
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "wb") as pipe:  # blocks until the reader opens the pipe
            pipe.write(text)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    time.sleep(0.2)  # the writer waits in open(), so the reader sees it
    assert len(neuronsim.load(fifo)) == 5
    thread.join(5)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_an_endless_pipe_is_cut_at_the_size_limit(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)

    def writer():
        try:
            with open(fifo, "wb") as pipe:
                while True:
                    pipe.write(b"[" * 65536)
        except (BrokenPipeError, OSError):
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    time.sleep(0.2)
    with pytest.raises(FileFormatError, match="larger than 1,000,000 bytes"):
        neuronsim.load(fifo, max_bytes=1_000_000)
    thread.join(5)


# --- size of the network --------------------------------------------------------------------------

def test_a_layered_spec_too_large_for_memory_is_refused_before_building():
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"1,000,020 neurons and 20,000,000 links would need about 9.65 GB .*"
                                        r"max_links=1,000,000 .*pass a larger max_links="):
        Network.from_spec([("identity", 10**6), ("sigmoid", 20)])
    assert time.perf_counter() - start < 1


def test_a_file_of_a_million_neurons_is_refused_in_seconds_unless_allowed(tmp_path):
    path = tmp_path / "big.json"
    path.write_text('{"format": "neuronsim.network", "version": 1, "neurons": [' + "0," * (10**6 - 1)
                    + '0], "edges": []}')
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"big\.json: neurons, edges: 1,000,000 neurons and 0 links would need "
                                        r"about 850 MB"):
        neuronsim.load(path)
    assert time.perf_counter() - start < 5
    with pytest.raises(SpecError, match=r"neurons\[0\]: expected an object"):  # allowed: the count passes
        neuronsim.load(path, max_links=2 * 10**6)


def test_a_spec_file_too_large_for_memory_is_refused(tmp_path):
    path = tmp_path / "wide.yaml"
    path.write_text("- [identity, 1000000]\n- [sigmoid, 20]\n")
    with pytest.raises(SpecError, match=r"wide\.yaml: 1,000,020 neurons and 20,000,000 links"):
        Network.from_spec(path)


# --- paths ----------------------------------------------------------------------------------------

NUL = "a\0b.json"


@pytest.mark.parametrize("call", [
    lambda: neuronsim.load(NUL),
    lambda: Network.from_spec(NUL),
    lambda: neuronsim.spec.load_spec_file(NUL),
    lambda: Network.from_spec([("identity", 1), ("sigmoid", 1)]).save(NUL),
    lambda: neuronsim.export.write_graphml(Network.from_spec([("identity", 1), ("sigmoid", 1)]), NUL),
    lambda: load_network(NUL),
])
def test_a_nul_byte_in_a_path_is_a_file_format_error_naming_it(call):
    with pytest.raises(FileFormatError, match=r"^'a\\x00b\.json': not a usable path: it holds a NUL byte$"):
        call()


def test_an_overlong_path_is_shown_cut(tmp_path):
    path = str(tmp_path / ("n" * 5000 + ".json"))
    with pytest.raises(FileFormatError) as info:
        neuronsim.load(path)
    assert len(str(info.value)) < 400 and "cannot read the file" in str(info.value)


def test_a_directory_is_refused_as_a_spec_file(tmp_path):
    folder = tmp_path / "net.json"
    folder.mkdir()
    with pytest.raises(SpecError, match=r"net\.json: is a directory, not a spec file"):
        Network.from_spec(folder)


# --- a file's content is never a path -------------------------------------------------------------

def test_a_yaml_file_holding_a_path_is_not_followed_by_the_command_line(tmp_path, capsys):
    other = tmp_path / "other.json"
    saved(other)
    redirect = tmp_path / "r.yaml"
    redirect.write_text(str(other) + "\n")
    assert main(["check", str(redirect)]) == 1
    assert "r.yaml: a spec file holds a list of layers or a dict, got str" in capsys.readouterr().err
    with pytest.raises(SpecError, match="got str"):
        load_network(str(redirect))
    with pytest.raises(SpecError, match="got str"):
        Network.from_spec(redirect)


def test_the_command_line_reads_a_saved_network_once(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    saved(path)
    reads = []
    real = _reader.read_bytes
    monkeypatch.setattr(_reader, "read_bytes", lambda where, **kw: reads.append(where) or real(where, **kw))
    net, optimizer, metadata = load_network(str(path))
    assert len(net) == 5 and reads == [str(path)]


def test_the_command_line_lets_load_name_the_problem_of_an_unreadable_file(tmp_path):
    path = tmp_path / "net.txt"
    path.write_text("{not json")
    with pytest.raises(FileFormatError, match=r"net\.txt: not valid JSON at line 1 column 2"):
        load_network(str(path))


# --- duplicate keys -------------------------------------------------------------------------------

def test_a_network_file_with_two_edges_keys_is_refused(tmp_path):
    path = tmp_path / "net.json"
    saved(path)
    text = path.read_text()
    path.write_text(text[:-2] + ', "edges": []}\n')
    with pytest.raises(FileFormatError, match=r"net\.json: not a network file: duplicate key 'edges' in one "
                                              r"object; a file with two 'edges' keys is ambiguous"):
        neuronsim.load(path)


def test_a_duplicate_key_inside_a_neuron_is_refused(tmp_path):
    path = tmp_path / "net.json"
    path.write_text('{"format": "neuronsim.network", "version": 1, "neurons": [{"name": "x", "name": "y", '
                    '"activation": "identity", "bias": 0}], "edges": []}')
    with pytest.raises(FileFormatError, match="duplicate key 'name'"):
        neuronsim.load(path)


@pytest.mark.parametrize("name, text", [
    ("spec.json", '{"layers": [["identity", 1], ["sigmoid", 1]], "layers": [["identity", 2], ["sigmoid", 1]]}'),
    ("spec.yaml", "layers: [[identity, 1], [sigmoid, 1]]\nlayers: [[identity, 2], [sigmoid, 1]]\n"),
    ("nested.yaml", "neurons:\n  - {name: a, name: b}\n"),
])
def test_a_spec_file_with_a_duplicate_key_is_refused(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SpecError, match=rf"{name.replace('.', '[.]')}: duplicate key '(layers|name)'") as info:
        Network.from_spec(path)
    assert isinstance(info.value, FileFormatError)


# --- stale temporary files of atomic saves ----------------------------------------------------------

def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _temp(folder, name, pid, age, token="0123456789ab"):
    path = folder / f".{name}.{pid}.{token}.tmp" if pid is not None else folder / f".{name}.{token}.tmp"
    path.write_bytes(b"partial")
    old = time.time() - age
    os.utime(path, (old, old))
    return path


def test_a_save_removes_the_stale_temporary_files_of_its_target(tmp_path):
    dead = _dead_pid()
    stale = _temp(tmp_path, "net.json", dead, age=120)
    abandoned = _temp(tmp_path, "net.json", os.getpid(), age=7200, token="abcdefabcdef")
    legacy = _temp(tmp_path, "net.json", None, age=7200)
    saved(tmp_path / "net.json")
    assert not stale.exists() and not abandoned.exists() and not legacy.exists()


def test_a_save_keeps_temporary_files_it_cannot_prove_stale(tmp_path):
    dead = _dead_pid()
    kept = [
        _temp(tmp_path, "net.json", dead, age=5),                                # too fresh
        _temp(tmp_path, "net.json", os.getpid(), age=120, token="abcdefabcdef"),  # writer alive
        _temp(tmp_path, "net.json", None, age=120),                             # older name, too fresh
        _temp(tmp_path, "other.json", dead, age=7200),                          # another target
        _temp(tmp_path, "net.json.x", dead, age=7200),                          # another target
    ]
    for name in (".net.json.tmp", f".net.json.{dead}.xyz.tmp", f"net.json.{dead}.0123456789ab.tmp"):
        (tmp_path / name).write_bytes(b"not ours")
        old = time.time() - 7200
        os.utime(tmp_path / name, (old, old))
        kept.append(tmp_path / name)
    saved(tmp_path / "net.json")
    assert all(path.exists() for path in kept)


@pytest.mark.skipif(os.name != "posix", reason="kill -9 is POSIX")
def test_a_save_killed_mid_write_is_cleaned_up_by_the_next_save(tmp_path):
    target = tmp_path / "net.json"
    saved(target)
    before = target.read_bytes()
    code = ("import sys, time\n"
            "from neuronsim._atomic import atomic_write\n"
            "def write(file):\n"
            "    file.write(b'{\"half')\n    file.flush()\n    print('writing', flush=True)\n    time.sleep(60)\n"
            "atomic_write(sys.argv[1], write)\n")
    process = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE)
    assert process.stdout.readline() == b"writing\n"
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    [temp] = [path for path in tmp_path.iterdir() if path.name.endswith(".tmp")]
    assert temp.name.startswith(f".net.json.{process.pid}.") and target.read_bytes() == before
    old = time.time() - _atomic.STALE_AFTER - 1
    os.utime(temp, (old, old))
    saved(target)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["net.json"]
    assert neuronsim.load(target) is not None


def test_a_deep_yaml_file_is_refused_by_depth_with_pure_python_yaml_too(tmp_path):
    """Without libyaml, PyYAML's own scanner limit fires first; it is reported as the same error."""
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 1000 + "]" * 1000)
    code = ("import sys, yaml; yaml.__with_libyaml__ = False\n"
            "import neuronsim\n"
            "try:\n    neuronsim.Network.from_spec(sys.argv[1])\n"
            "except neuronsim.errors.SpecError as err:\n    print(err)\n")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert "YAML nested too deeply (more than 100 levels)" in result.stdout, result.stderr
