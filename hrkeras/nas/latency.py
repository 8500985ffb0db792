"""TFLite latency of HR-NAS networks from a per-block table: LiteRT's CPU interpreter (XNNPACK), 2 threads.

A search block's latency is measured alone: the block (its input [1,H,W,C_in], stride, output channels,
kernels, hidden widths, tokens) as a float32 TFLite model, the median of `runs` invocations. The table is a JSON
file per machine (host, CPU model, cores, LiteRT version) and block implementation (TABLE_FORMAT) under
~/.cache/hrkeras/latency (or `folder`), keyed by the block's configuration, so each configuration is measured
once, by any search on that machine.
The rest of the network (stem, resizes, sums, classifier) is measured once per supernet row and input as the
whole supernet's latency minus its blocks'. predicted(model) = rest + sum over blocks; it steers the search.
The blocks measured alone miss what they cost in the whole network (caches, threads), by up to ~20% on half-
pruned networks, so the last shrink's candidates are converted and timed whole (`measure`).
"""
import hashlib
import json
import os
import platform

import keras
import numpy as np

from hrkeras.models.hrnas import hrnas_arch
from hrkeras.models.hrnas.hrnas_layers import BlockChoice, SearchBlock
from hrkeras.utils.atomic import write_json
from hrkeras.utils.nested import leaf_layers
from hrkeras.utils.timing import interleaved_ms

THREADS = 2
# A whole network's latency: the lowest of 7 rounds' medians, rounds 3 s apart, the machine undisturbed
# (hrkeras.utils.timing.interleaved_ms); benchmarks/trained_side_by_side.py times it afterwards the same way.
MEASURE_ROUNDS, MEASURE_PAUSE = 7, 3.0
TABLE_FORMAT = 2  # the search block's implementation (2: kernel paths merged); another one's table is not read
DEFAULT_FOLDER = os.path.join("~", ".cache", "hrkeras", "latency")


def machine():
    """(description, key) of this machine: host, CPU model, cores and the LiteRT version."""
    cpu = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    try:
        from importlib.metadata import version

        litert = version("ai-edge-litert")
    except Exception:  # noqa: BLE001: not installed -> measured with tf.lite's interpreter
        litert = "none"
    text = f"{platform.node()}, {cpu}, {os.cpu_count()} cores, ai-edge-litert {litert}, {THREADS} threads"
    return text, hashlib.sha1(text.encode()).hexdigest()[:12]


def tflite_ms(model, runs=30, rounds=1, pause=0.0):
    """Median ms of one batch-1 float32 TFLite inference of the Keras `model` (CPU interpreter, 2 threads): of
    `runs` inferences, or the lowest of `rounds` such medians, `pause` seconds apart."""
    from hrkeras.convert.export import convert
    from hrkeras.convert.tflite_runner import TFLiteRunner

    runner = TFLiteRunner(convert(model, "float32"), "cpu", threads=THREADS)
    x = np.random.default_rng(0).standard_normal((1, *model.input.shape[1:])).astype(np.float32)
    return interleaved_ms({"model": runner}, x, runs, rounds, pause, np.min)["model"]


def block_configs(model):
    """{block: configuration dict} of `model`'s search blocks that compute anything."""
    layers, configs = {layer.name: layer for layer in leaf_layers(model)}, {}
    config = getattr(model, "backbone", model).get_config()
    for block, choice in hrnas_arch.architecture(model).items():
        first = next((layers[n] for n in (f"{block}_expand_0", f"{block}_residual", f"{block}_transformer_down")
                      if n in layers), None)
        if first is None:  # an identity block reduced to its shortcut
            continue
        in_shape = [int(d) for d in first.input.shape[1:]]
        out = layers.get(f"{block}_pw_bn") or layers.get(f"{block}_residual")
        dw = layers.get(f"{block}_ops_0_1_0") or layers.get(f"{block}_residual")
        configs[block] = {"input": in_shape, "out": int(out.output.shape[-1]) if out else in_shape[-1],
                          "stride": int(dw.strides[0]) if dw else 1, "kernels": choice["kernel_sizes"],
                          "hidden": choice["hidden_channels"], "tokens": choice["num_tokens"],
                          "bn": [config["bn_momentum"], config["bn_epsilon"]]}
    return configs


def block_model(config):
    """The block of a block_configs entry alone: [1,H,W,C_in] -> [1,H/s,W/s,C_out]."""
    x = keras.Input(shape=config["input"], batch_size=1)
    choice = BlockChoice(tuple(config["kernels"]), tuple(config["hidden"]), config["tokens"])
    return keras.Model(x, SearchBlock(config["out"], config["stride"], choice, tuple(config["bn"]), "block")(x))


class LatencyTable:
    """The per-block table of this machine: `predict(model)` in ms, measuring blocks not yet in the table."""

    def __init__(self, folder=None, runs=30, log=print):
        self.description, key = machine()
        folder = os.path.abspath(os.path.expanduser(folder or DEFAULT_FOLDER))
        self.path = os.path.join(folder, f"{key}_v{TABLE_FORMAT}.json")
        self.runs, self.log = runs, log
        self.table = {"machine": self.description, "blocks": {}, "rest": {}}
        if os.path.exists(self.path):
            with open(self.path) as f:
                self.table = json.load(f)

    def _save(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        write_json(self.path, self.table, indent=0)

    def block_ms(self, config):
        key = json.dumps(config, sort_keys=True)
        if key not in self.table["blocks"]:
            self.table["blocks"][key] = tflite_ms(block_model(config), self.runs)
            self._save()
        return self.table["blocks"][key]

    def blocks_ms(self, model):
        configs = block_configs(model)
        missing = sum(json.dumps(c, sort_keys=True) not in self.table["blocks"] for c in configs.values())
        if missing:
            self.log(f"latency table: measuring {missing} block configurations ({self.path})")
        return sum(self.block_ms(c) for c in configs.values())

    def rest_ms(self, supernet, key):
        """The supernet's latency outside its blocks (measured once per `key`: its row and input)."""
        if key not in self.table["rest"]:
            self.table["rest"][key] = tflite_ms(supernet, self.runs) - self.blocks_ms(supernet)
            self._save()
        return self.table["rest"][key]


def latency_model(config, folder=None, log=print):
    """model -> predicted TFLite ms of the search recipe `config`'s networks (their rest measured on its
    supernet the first time); its `floor_ms()` is that rest, its `measure(model)` the network's measured ms."""
    from hrkeras.training.tasks import get_task

    table = LatencyTable(folder, log=log)
    key = json.dumps({"input": list(config.input_size), "model": config.model, **config.model_kwargs},
                     sort_keys=True)
    rest = {}

    def floor_ms():
        """The latency outside the search blocks: what no search can remove."""
        if "ms" not in rest:
            rest["ms"] = table.rest_ms(get_task(config).build_model(config), key)
        return rest["ms"]

    def predict(model):
        return floor_ms() + table.blocks_ms(model)

    predict.table, predict.floor_ms = table, floor_ms
    predict.measure = lambda model: tflite_ms(model, table.runs, MEASURE_ROUNDS, MEASURE_PAUSE)  # whole, converted
    return predict
