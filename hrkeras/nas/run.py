"""run_search: a search recipe through the one trainer, then its architecture file and weights."""
import os

from hrkeras.models.hrnas import hrnas_arch
from hrkeras.nas.report import arch_table
from hrkeras.nas.search import Search
from hrkeras.utils.keras_io import save_weights


def weights_path(out):
    """Where the searched weights go beside the architecture file: arch.json -> arch.weights.h5."""
    return os.path.splitext(out)[0] + ".weights.h5"


def run_search(config, settings, workdir, out, data_root=None, resume=False, latency=None, verbose="auto",
               log=print):
    """Search `config` (a recipe on the HR-NAS supernet) under `settings` (SearchSettings) in `workdir`; write
    the final architecture to `out` (JSON, for create_model("hrnas", arch=out) and `hrkeras train --arch`) and
    its trained weights to weights_path(out). Returns the trainer's result with "arch", "weights", "macs",
    "search" (the shrink history), "table" (the per-block markdown table) and with a latency model "ms" (the
    result's latency, measured whole where the model can)."""
    from hrkeras.training.trainer import train

    search = Search(config, settings, workdir, latency=latency, log=log)
    result = train(config, workdir, data_root=data_root, resume=resume, verbose=verbose, search=search)
    model = search.model
    hrnas_arch.save_arch(model, out)
    final = search.build()
    final.set_weights(model.get_weights())
    save_weights(final, weights_path(out))
    ms = {"ms": getattr(latency, "measure", latency)(model)} if latency else {}
    return {**result, "arch": out, "weights": weights_path(out), "macs": search.costs.macs(search.counts),
            "search": search.history, "table": arch_table(model), **ms}
