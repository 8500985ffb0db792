"""The one unpickler of every checkpoint pickle: it builds containers, scalars and
the storages and tensor views of tensors.py, and nothing else.

Based on the pure-Python `pickle._Unpickler` (a dict memo: a huge PUT index
allocates nothing). No module is imported and nothing named by the file is
called: a global becomes a `Global` record, and calling one (REDUCE, NEWOBJ,
INST, OBJ) runs only hrkeras' own rebuild functions below; any other global
gives an inert `Opaque` placeholder. BUILD state is dropped, dict keys and set
items must be plain values (str, bytes, numbers, None, shallow tuples of them).
"""
import collections
import pickle
import struct

from hrkeras.errors import CheckpointFormatError

from .tensors import RESAVE, STORAGE_DTYPES, StorageType, rebuild_parameter, rebuild_tensor, refuse

_MAX_KEY_DEPTH = 4
_PLAIN = (str, bytes, int, float, bool, type(None))


def _ordered_dict(*args):
    if args:
        raise refuse("an OrderedDict pickled with arguments")
    return collections.OrderedDict()


_BUILDERS = {
    ("collections", "OrderedDict"): _ordered_dict,
    ("torch._utils", "_rebuild_tensor"): rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): rebuild_parameter,
}


class Opaque:
    """Stands in for any pickled object that is not a container, scalar or tensor."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __repr__(self):
        return f"<{self.module[:40]}.{self.name[:40]} object, not loaded>"


class Global:
    """A pickled reference to `module.name`; calling it builds only what hrkeras allows."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def call(self, args):
        builder = _BUILDERS.get((self.module, self.name))
        return builder(*args) if builder else Opaque(self.module, self.name)


def _call(func, args):
    if not isinstance(func, Global):
        raise refuse("a pickle that calls an object that is not a global")
    if type(args) is not tuple:
        raise refuse("a pickle that calls a global with arguments that are not a tuple")
    return func.call(args)


def _check_key(key, depth=0):
    if type(key) in _PLAIN or type(key) is Opaque:
        return key
    if type(key) is tuple and depth < _MAX_KEY_DEPTH:
        for item in key:
            _check_key(item, depth + 1)
        return key
    raise refuse("a dict key or set item that is not a plain value")


def _set_items(target, items):
    if len(items) % 2:
        raise refuse("a pickle that sets a key without a value")
    if isinstance(target, Opaque):
        return
    if not isinstance(target, dict):
        raise refuse("a pickle that sets items of an object that is not a dict")
    for i in range(0, len(items), 2):
        target[_check_key(items[i])] = items[i + 1]


def _extend(target, items):
    if type(target) is list:
        target.extend(items)
    elif not isinstance(target, Opaque):
        raise refuse("a pickle that appends to an object that is not a list")


class _Unpickler(pickle._Unpickler):
    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, load_storage=None):
        super().__init__(file)
        self._load_storage = load_storage

    def find_class(self, module, name):
        if module == "torch" and name in STORAGE_DTYPES:
            return StorageType(name)
        return Global(module, name)

    def persistent_load(self, pid):
        if self._load_storage is None:
            raise refuse("a pickle that refers to data outside it (a persistent id) where none belongs")
        return self._load_storage(pid)

    def _reduce(self):
        args = self.stack.pop()
        self.stack[-1] = _call(self.stack[-1], args)

    def _newobj(self):
        args = self.stack.pop()
        self.stack[-1] = _call(self.stack[-1], args)

    def _newobj_ex(self):
        self.stack.pop()  # keyword arguments: no builder takes any
        self._newobj()

    def _inst(self):
        module = self.readline()[:-1].decode("ascii")
        name = self.readline()[:-1].decode("ascii")
        self.append(_call(self.find_class(module, name), tuple(self.pop_mark())))

    def _obj(self):
        args = self.pop_mark()
        if not args:
            raise refuse("a pickle OBJ without a class")
        self.append(_call(args[0], tuple(args[1:])))

    def _bytearray8(self):  # pickle's own preallocates the declared length
        (length,) = struct.unpack("<Q", self.read(8))
        data = self.read(length)
        if len(data) != length:
            raise pickle.UnpicklingError("BYTEARRAY8 runs past the end of the pickle")
        self.append(bytearray(data))

    def _build(self):
        self.stack.pop()  # instance state: nothing hrkeras builds takes any

    def _ext(self):
        raise refuse("a pickle that uses the copyreg extension registry")

    def _setitem(self):
        value = self.stack.pop()
        key = self.stack.pop()
        _set_items(self.stack[-1], [key, value])

    def _setitems(self):
        items = self.pop_mark()
        _set_items(self.stack[-1], items)

    def _dict(self):
        items = self.pop_mark()
        out = {}
        _set_items(out, items)
        self.append(out)

    def _additems(self):
        items = [_check_key(i) for i in self.pop_mark()]
        target = self.stack[-1]
        if type(target) is set:
            target.update(items)
        elif not isinstance(target, Opaque):
            raise refuse("a pickle that adds items to an object that is not a set")

    def _frozenset(self):
        self.append(frozenset(_check_key(i) for i in self.pop_mark()))

    def _append(self):
        value = self.stack.pop()
        _extend(self.stack[-1], [value])

    def _appends(self):
        items = self.pop_mark()
        _extend(self.stack[-1], items)


for _op, _method in [(pickle.REDUCE, "_reduce"), (pickle.NEWOBJ, "_newobj"), (pickle.NEWOBJ_EX, "_newobj_ex"),
                     (pickle.INST, "_inst"), (pickle.OBJ, "_obj"), (pickle.BUILD, "_build"),
                     (pickle.BYTEARRAY8, "_bytearray8"),
                     (pickle.EXT1, "_ext"), (pickle.EXT2, "_ext"), (pickle.EXT4, "_ext"),
                     (pickle.SETITEM, "_setitem"), (pickle.SETITEMS, "_setitems"), (pickle.DICT, "_dict"),
                     (pickle.ADDITEMS, "_additems"), (pickle.FROZENSET, "_frozenset"),
                     (pickle.APPEND, "_append"), (pickle.APPENDS, "_appends")]:
    _Unpickler.dispatch[_op[0]] = getattr(_Unpickler, _method)

# What the pickle machinery raises on malformed input (bad opcodes, short reads, bad memo refs).
_MALFORMED = (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, KeyError, IndexError,
              struct.error, OverflowError)


def unpickle(file, path, what, load_storage=None):
    """The next pickle in `file` (a BytesIO), restricted as above.

    Args:
        file: binary file object positioned at the pickle.
        path: the checkpoint file, for errors.
        what: str naming this pickle in errors ("the object pickle").
        load_storage: pid -> Storage for persistent ids, or None if the pickle may hold none.

    Raises:
        CheckpointFormatError: malformed, truncated, or holding what a state dict does not.
    """
    try:
        return _Unpickler(file, load_storage).load()
    except CheckpointFormatError as err:
        if err.path is None:
            raise CheckpointFormatError(f"{what} holds {err.what}", path, err.fix) from None
        raise
    except _MALFORMED as err:
        detail = str(err)[:120] if not isinstance(err, KeyError) else "unknown opcode or memo entry"
        raise CheckpointFormatError(f"{what} is truncated or damaged ({type(err).__name__}: {detail})", path,
                                    RESAVE) from None
