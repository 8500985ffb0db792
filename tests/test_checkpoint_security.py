"""Hostile, damaged and foreign checkpoint files are refused with CheckpointFormatError, and no code in them runs.

Files are written here: pickles by hand (a small pure-Python pickler that can name any
global), zip and legacy torch.save layouts around them; torch (optional) for real files.
"""
import collections
import io
import os
import pathlib
import pickle
import struct
import zipfile

import numpy as np
import pytest

import hrkeras
from hrkeras.checkpoints import describe_checkpoint, load_checkpoint, read_state_dict
from hrkeras.cli.main import main
from hrkeras.errors import CheckpointFormatError

MAGIC = 0x1950A86A20F9469CFC6C


# --- writing pickles and checkpoint files by hand ----------------------------------------------------

class Global:
    """A reference to module.name, pickled as such whether or not it can be imported here."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's save_reduce wants a callable
        raise AssertionError


class Call:
    """Pickles as module.name(*args)."""

    def __init__(self, module, name, *args):
        self.func, self.args = Global(module, name), args

    def __reduce__(self):
        return self.func, self.args


class Storage:
    """Pickles as a storage persistent id."""

    def __init__(self, key, numel, kind="FloatStorage"):
        self.key, self.numel, self.kind = key, numel, kind


class _Writer(pickle._Pickler):
    def __init__(self, file, legacy):
        super().__init__(file, protocol=2)
        self.legacy = legacy

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            pid = ("storage", Global("torch", obj.kind), obj.key, "cpu", obj.numel)
            return pid + (None,) if self.legacy else pid
        return None

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, Global):
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        else:
            super().save(obj, save_persistent_id)


def dumps(obj, legacy=False):
    f = io.BytesIO()
    _Writer(f, legacy).dump(obj)
    return f.getvalue()


def tensor(storage, offset, size, stride):
    return Call("torch._utils", "_rebuild_tensor_v2", storage, offset, tuple(size), tuple(stride), False,
                Call("collections", "OrderedDict"))


class Payload:
    """Runs `touch marker` when unpickled by an unrestricted unpickler."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def legacy_bytes(obj, data, replace=None):
    """A legacy torch.save file of `obj` with storages {key: float32 array}; replace={pickle index: bytes}."""
    pickles = [dumps(MAGIC), dumps(1001), dumps({"protocol_version": 1001, "little_endian": True}),
               dumps(obj, legacy=True), dumps(list(data))]
    for i, raw in (replace or {}).items():
        pickles[i] = raw
    tail = b"".join(struct.pack("<q", a.size) + a.astype("<f4").tobytes() for a in data.values())
    return b"".join(pickles) + tail


def zip_bytes(obj, data, pkl=None, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        z.writestr("archive/data.pkl", dumps(obj) if pkl is None else pkl)
        z.writestr("archive/byteorder", "little")
        for key, array in data.items():
            z.writestr(f"archive/data/{key}", array.astype("<f4").tobytes())
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


def simple_state(numel=6, offset=0, size=(2, 3), stride=(3, 1)):
    return {"w": tensor(Storage("0", numel), offset, size, stride)}, {"0": np.arange(numel, dtype="<f4")}


WRITERS = {"zip": zip_bytes, "legacy": legacy_bytes}


def refused(path, match=None):
    with pytest.raises(CheckpointFormatError, match=match) as err:
        read_state_dict(path)
    assert err.value.path == os.fspath(path)
    return err.value


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a pickled payload ran"


# --- code in pickles ---------------------------------------------------------------------------------

def test_hand_written_files_load(tmp_path):
    for kind, write in WRITERS.items():
        path = tmp_path / f"ok_{kind}.pth"
        path.write_bytes(write(*simple_state()))
        assert np.array_equal(read_state_dict(path)["w"], np.arange(6, dtype="f4").reshape(2, 3)), kind


@pytest.mark.parametrize("index", range(5), ids=["magic", "protocol", "sys_info", "object", "storage_keys"])
def test_payload_in_each_legacy_pickle_does_not_run(tmp_path, marker, index):
    path = tmp_path / "evil.pth"
    path.write_bytes(legacy_bytes(*simple_state(), replace={index: pickle.dumps(Payload(marker), protocol=2)}))
    refused(path)


def test_payload_in_zip_data_pkl_does_not_run(tmp_path, marker):
    path = tmp_path / "evil.pth"
    path.write_bytes(zip_bytes(*simple_state(), pkl=pickle.dumps(Payload(marker), protocol=4)))
    refused(path, "not a state dict")


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_raw_pickle_named_pth_does_not_run(tmp_path, marker, protocol):
    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps({"w": Payload(marker)}, protocol=protocol))
    refused(path, "plain pickle, not a torch.save checkpoint")


def test_npz_object_array_does_not_run(tmp_path, marker):
    path = tmp_path / "evil.npz"
    np.savez(path, w=np.array([Payload(marker)], dtype=object))
    refused(path, "not numbers")


def test_payload_nested_in_a_state_dict_stays_inert(tmp_path, marker):
    obj, data = simple_state()
    obj["meta"] = Payload(marker)  # like mmengine's `meta`: read as a placeholder, never called
    path = tmp_path / "meta.pth"
    path.write_bytes(zip_bytes(obj, data))
    assert list(read_state_dict(path)) == ["w"]


def test_every_entry_point_refuses_the_payload(tmp_path, marker):
    path = tmp_path / "evil.pth"
    path.write_bytes(legacy_bytes(*simple_state(), replace={2: pickle.dumps(Payload(marker), protocol=2)}))
    with pytest.raises(CheckpointFormatError):
        describe_checkpoint(path)
    model = hrkeras.create_model("litehrnet_18", input_shape=(64, 64, 3))
    with pytest.raises(CheckpointFormatError):
        load_checkpoint(model, path)
    with pytest.raises(CheckpointFormatError):
        hrkeras.create_model("litehrnet_18", input_shape=(64, 64, 3), weights=str(path))
    try:
        code = main(["import-weights", str(path), str(tmp_path / "out.keras")])
    except (Exception, SystemExit):
        code = None
    assert code != 0 and not (tmp_path / "out.keras").exists()


def test_pickle_tricks_are_refused_cheaply(tmp_path):
    path = tmp_path / "memo.pth"
    path.write_bytes(b"\x80\x02K\x01r\xff\xff\xff\x7f.")  # LONG_BINPUT at index 2**31 - 1: no memo array
    refused(path, "plain pickle")
    deep = b"\x80\x02}X\x01\x00\x00\x00wK\x00" + b"\x85" * 50_000 + b"s."  # {"w": ((((0,),),)...)}
    path.write_bytes(zip_bytes({}, {}, pkl=deep))
    refused(path, "nested deeper")
    key = (0,)
    for _ in range(20):
        key = (key,)
    path.write_bytes(zip_bytes({key: 1}, {}))
    refused(path, "not a plain value")


# --- tensor views and storage sizes -------------------------------------------------------------------

@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize("view, match", [
    (dict(offset=6), "reaches element"),
    (dict(offset=1), "reaches element"),
    (dict(stride=(4, 1)), "reaches element"),
    (dict(stride=(3, 10**9)), "reaches element"),
    (dict(offset=-1), "not an integer"),
    (dict(size=(-2, 3)), "not an integer"),
    (dict(stride=(3, -1)), "not an integer"),
    (dict(size=(2**40, 2**40), stride=(0, 0)), "broadcast"),
    (dict(size=(4, 3), stride=(0, 1)), "broadcast"),
    (dict(size=(2**70, 1)), "not an integer"),
    (dict(size=(2.0, 3)), "not an integer"),
    (dict(size=(2, 3), stride=(3,)), "size and stride"),
])
def test_out_of_bounds_views_are_refused(tmp_path, kind, view, match):
    path = tmp_path / "view.pth"
    path.write_bytes(WRITERS[kind](*simple_state(**view)))
    refused(path, match)


@pytest.mark.parametrize("kind", WRITERS)
def test_storage_size_must_match_the_bytes(tmp_path, kind):
    obj, _ = simple_state(numel=6)
    path = tmp_path / "short.pth"
    path.write_bytes(WRITERS[kind](obj, {"0": np.arange(4, dtype="f4")}))
    refused(path, "4 elements, its pickle 6" if kind == "legacy" else "holds 16 bytes, 24 expected")


# --- truncated, foreign, empty ------------------------------------------------------------------------

@pytest.mark.parametrize("kind, cut, match", [
    ("zip", 0.5, "truncated or damaged zip archive"),
    ("zip", 0.98, "truncated or damaged zip archive"),
    ("legacy", 0.9, "truncated"),
    ("legacy", 0.6, "truncated"),
])
def test_truncated_torch_files(tmp_path, kind, cut, match):
    obj, data = simple_state(numel=60, size=(6, 10), stride=(10, 1))
    raw = WRITERS[kind](obj, data)
    path = tmp_path / "cut.pth"
    path.write_bytes(raw[: int(len(raw) * cut)])
    refused(path, match)


def test_truncated_and_lying_safetensors(tmp_path):
    raw = (pathlib.Path(__file__).parent / "fuzz" / "corpus" / "safetensors" / "mixed.safetensors").read_bytes()
    path = tmp_path / "cut.safetensors"
    path.write_bytes(raw[:-10])
    refused(path, "truncated safetensors file: tensor '\\w+' ends past the data")
    path.write_bytes(raw[:20])
    refused(path, "truncated safetensors file: its header ends past the end")
    path.write_bytes(struct.pack("<Q", 2**63) + raw[8:])
    refused(path, "header length")
    header = b'{"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 8]}}'
    path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(8))
    refused(path, "8 bytes for shape")
    header = b'{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}'
    path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(8))
    refused(path, "no valid shape")
    path.write_bytes(struct.pack("<Q", 2) + b"[]")
    refused(path, "not a JSON object")


@pytest.mark.parametrize("suffix", [".pth", ".pt", ".npz", ".safetensors"])
def test_empty_and_foreign_files(tmp_path, suffix):
    path = tmp_path / f"x{suffix}"
    path.write_bytes(b"")
    refused(path, "empty file")
    path.write_bytes(np.random.default_rng(0).bytes(3000))
    refused(path)


def test_foreign_bytes_are_named(tmp_path):
    path = tmp_path / "x.pth"
    path.write_bytes(b"GIF89a" + bytes(100))
    refused(path, "not a PyTorch checkpoint")
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    refused(path, "truncated or damaged zip archive")
    path = tmp_path / "x.npz"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    refused(path, "truncated or damaged .npz archive")


# --- zip members ----------------------------------------------------------------------------------------

def _no_member_reads(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a zip member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", fail)


def test_npz_zip_bomb_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("w.npy", "w") as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (2**24,)})
            for _ in range(16):
                f.write(bytes(1 << 22))
    assert path.stat().st_size < 200_000
    _no_member_reads(monkeypatch)
    refused(path, "zip bomb")


def test_member_declaring_a_huge_size_is_refused(tmp_path, monkeypatch):
    raw = bytearray(zip_bytes(*simple_state(), compression=zipfile.ZIP_DEFLATED))
    entry = raw.index(b"PK\x01\x02", raw.index(b"PK\x01\x02") + 1)  # central entry of archive/byteorder
    struct.pack_into("<I", raw, entry + 24, 0xFFFFFFF0)
    path = tmp_path / "lie.pth"
    path.write_bytes(bytes(raw))
    _no_member_reads(monkeypatch)
    refused(path, "zip bomb")


def test_other_compressions_and_missing_members(tmp_path):
    path = tmp_path / "bz.pth"
    path.write_bytes(zip_bytes(*simple_state(), compression=zipfile.ZIP_BZIP2))
    refused(path, "compression method 12")
    path.write_bytes(zip_bytes(simple_state()[0], {}))
    refused(path, "member 'archive/data/0' is missing")


def test_npz_sizes_are_checked(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, w=np.arange(6, dtype="f4").reshape(2, 3), f=np.asfortranarray(np.ones((2, 3))))
    out = read_state_dict(path)
    assert np.array_equal(out["w"], np.arange(6).reshape(2, 3)) and out["f"].shape == (2, 3)
    raw = io.BytesIO()
    np.lib.format.write_array_header_1_0(raw, {"descr": "<f4", "fortran_order": False, "shape": (1000,)})
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("w.npy", raw.getvalue() + bytes(16))
    refused(path, "its header says 4000")


# --- real torch files -------------------------------------------------------------------------------

@pytest.mark.parametrize("new_format", [True, False])
def test_torch_files_round_trip(tmp_path, new_format):
    torch = pytest.importorskip("torch")
    base = torch.randn(5, 4)
    sd = collections.OrderedDict(w=base, t=base.t(), part=base[1:3, 1:], half=base.half(), bf16=base.bfloat16())
    path = tmp_path / "real.pth"
    torch.save({"state_dict": sd, "meta": {"epoch": 1}}, path, _use_new_zipfile_serialization=new_format)
    ours = read_state_dict(path)
    for k, v in sd.items():
        assert np.array_equal(ours[k], v.float().numpy() if k == "bf16" else v.numpy()), k
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 100])
    refused(path, "truncated")


def test_declared_pickle_lengths_allocate_nothing(tmp_path):
    path = tmp_path / "alloc.pth"
    path.write_bytes(b"\x80\x05\x96" + struct.pack("<Q", 1 << 50) + bytes(8))  # BYTEARRAY8 of 2**50 bytes
    refused(path, "not a PyTorch checkpoint")
