"""The search: the one trainer (hrkeras.training.trainer) with a hook that penalizes and shrinks the supernet.

Schedule of a search of E epochs: every `shrink_every` epochs up to `shrink_epochs` the network is shrunk
(hrkeras.nas.selection, hrkeras.nas.shrink); the epochs after it train the final architecture, penalty off.

Steering toward a MACs budget B from the supernet's M0: shrink k of K must bring the network to
target_k = max(B, M0 (B / M0)^(k / K)), a geometric path that reaches B at the last shrink. Units the penalty
drove under the threshold go first; if that is not enough the lowest |gamma| per MAC are cut to the target,
and rho doubles (the penalty lagged the path: it does more of the work before the next shrink). No shrink
ever goes under B; a shrink that lands within `tolerance` above B cuts on to B, and once the network is at B
the search stops shrinking, turns the penalty off and trains that architecture to the end: the result ends in
[B - one unit, B], never over the budget. A latency budget (budget_ms) is steered the same way through a MACs
budget re-derived at each shrink from the latency model: B = MACs now x budget_ms / predicted ms now
(hrkeras.nas.latency); at the last shrink, and at any shrink that estimate would end the search, the network B
would leave is converted and timed whole, and B corrected, until it meets budget_ms.

The architecture, rho and the shrink history live in every checkpoint (`state()`): a resumed search rebuilds
the checkpoint's architecture before loading its weights.
"""
import dataclasses
import json
import os

import numpy as np
import tensorflow as tf

from hrkeras.errors import UsageError
from hrkeras.nas.costs import live_counts, normalized_costs, unit_costs
from hrkeras.nas.penalty import attach_penalty, penalty_terms
from hrkeras.nas.selection import select
from hrkeras.nas.shrink import shrink
from hrkeras.models.hrnas import hrnas_arch
from hrkeras.models.hrnas.hrnas_variants import HRNAS_ARCH_MODEL
from hrkeras.training.tasks import get_task


REFINE = 5  # networks timed whole when a latency budget is refined


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """rho: penalty weight after `warmup_steps` (linear from 0); threshold: |gamma| under which a unit is dead;
    shrink_every: epochs between shrinks; shrink_epochs: the last epoch that may shrink (None: the run's
    second to last); budget_macs / budget_ms: stop at this cost (None: the penalty alone decides);
    tolerance: how far above the budget counts as reached; rho_growth: rho's factor when a shrink had to cut."""

    rho: float = 1e-6
    warmup_steps: int = 1000
    threshold: float = 1e-3
    shrink_every: int = 1
    shrink_epochs: int = None
    budget_macs: float = None
    budget_ms: float = None
    tolerance: float = 0.02
    rho_growth: float = 2.0

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return dataclasses.asdict(self)


class Search:
    """The trainer's search hook (hrkeras.training.trainer.train(search=...)).

    resume(state) -> build(data) -> model; attach(model) after compiling / restoring; end_epoch(model, epoch,
    compile_model) -> the model to go on with (shrunk or the same); state() -> what a checkpoint records.
    latency: model -> predicted TFLite ms (hrkeras.nas.latency.latency_model), needed with budget_ms.
    """

    def __init__(self, config, settings, workdir=None, latency=None, log=print):
        if settings.budget_ms and latency is None:
            raise UsageError("a latency budget needs a latency model", fix="pass latency= (hrkeras.nas.latency)")
        self.config, self.settings, self.latency, self.log = config, settings, latency, log
        self.shrink_epochs = settings.shrink_epochs or max(config.epochs - 1, 1)
        self.rho = tf.Variable(float(settings.rho), trainable=False, dtype=tf.float32)
        self.arch, self.initial_macs, self.reached, self.history, self.data = None, None, False, [], None
        self.writer = tf.summary.create_file_writer(os.path.join(workdir, "logs", "search")) if workdir else None

    def resume(self, state):
        """Take a checkpoint's search state (None: a new search)."""
        if state is None:
            return
        if state["settings"] != json.loads(json.dumps(self.settings.to_dict())):
            raise UsageError("the search was started with other search settings (budget, rho, threshold, ...)",
                             fix="resume with the same --budget-macs / --budget-ms, or choose another --workdir")
        self.arch, self.initial_macs, self.reached = state["arch"], state["initial_macs"], state["reached"]
        self.history = list(state["history"])
        self.rho.assign(state["rho"])

    def state(self):
        return {"settings": self.settings.to_dict(), "arch": self.arch, "initial_macs": self.initial_macs,
                "reached": self.reached, "rho": float(self.rho.numpy()), "history": self.history}

    def arch_config(self, arch):
        """The recipe building `arch` (an architecture file dict) instead of the supernet."""
        return self.config.replace(model=HRNAS_ARCH_MODEL,
                                   model_kwargs={**self.config.model_kwargs, "arch": arch})

    def build(self, data=None):
        """The current architecture's model (uncompiled): the supernet, or the checkpoint's compact network."""
        self.data = data
        config = self.config if self.arch is None else self.arch_config(self.arch)
        return get_task(config).build_model(config, data)

    def attach(self, model):
        """Costs of `model`'s units, and the penalty on its loss."""
        self.model, self.costs, self.counts = model, unit_costs(model), live_counts(model)
        if self.initial_macs is None:
            self.initial_macs = self.costs.macs(self.counts)
            floor = getattr(self.latency, "floor_ms", None)
            if self.settings.budget_ms and floor and self.settings.budget_ms <= floor():
                raise UsageError(f"a budget of {self.settings.budget_ms:g} ms is below what no search can remove "
                                 f"({floor():.2f} ms outside the search blocks on this machine)",
                                 fix=f"pass --budget-ms above {floor():.2f}")
            if self.settings.budget_macs and self.settings.budget_macs < self.costs.fixed:
                raise UsageError(f"a budget of {self.settings.budget_macs / 1e6:.1f} MMACs is below what no search "
                                 f"can remove ({self.costs.fixed / 1e6:.1f} MMACs: stem, residual convs, head)",
                                 fix=f"pass --budget-macs above {self.costs.fixed / 1e6:.1f}M")
        terms = penalty_terms(model, normalized_costs(self.costs, self.counts))
        attach_penalty(model, terms, self.rho, self.settings.warmup_steps)

    def budget(self, model, final=False):
        """The MACs budget now. From budget_ms: MACs now x budget_ms / predicted ms now; for the `final` shrink
        refined up to REFINE times on the network that budget would leave (built, and timed whole where the
        latency model can `measure`, else predicted) until that network is within `tolerance` of budget_ms:
        proportional steps until networks on both sides of budget_ms were timed, then interpolation between the
        closest two (latency is neither proportional nor even monotonic in MACs: a transformer or a kernel path
        that dies saves kernels, whatever its MACs). If none comes within the tolerance, the largest network
        timed under budget_ms is the budget."""
        s = self.settings
        if not s.budget_ms:
            return s.budget_macs or 0.0
        budget = self.costs.macs(self.counts) * s.budget_ms / self.latency(model)
        importance, timed = hrnas_arch.importance(model), getattr(self.latency, "measure", self.latency)
        under, over = None, None  # (MACs left, ms, budget) of the largest network timed under, the smallest over
        for _ in range(REFINE if final else 0):
            keep, macs = select(importance, self.costs, self.counts, s.threshold, budget, budget)[:2]
            ms = timed(get_task(self.config).build_model(self.arch_config(hrnas_arch.arch_file(model, keep))))
            self.log(f"latency budget: {budget / 1e6:.2f} MMACs leaves {ms:.2f} ms (budget {s.budget_ms:g} ms)")
            if abs(ms / s.budget_ms - 1) <= s.tolerance:
                return budget
            if ms < s.budget_ms:
                under = max(under or (macs, ms, budget), (macs, ms, budget))
            else:
                over = min(over or (macs, ms, budget), (macs, ms, budget))
            if under and over:
                (m0, ms0, _), (m1, ms1, _) = under, over
                budget = m0 + (m1 - m0) * (s.budget_ms - ms0) / (ms1 - ms0)
            else:
                budget = max(macs * s.budget_ms / ms, self.costs.fixed)
        return under[2] if under else budget

    def plan(self, model, k, last):
        """Shrink k of `last`: (MACs budget, units to keep, MACs kept, dead, cut). Dead units go first, then cuts
        to the geometric path's target; a shrink that lands within `tolerance` above the budget cuts on to it.
        A latency budget's first estimate is proportional, which over-states the MACs it allows while part of
        the latency (stem, resizes, head) does not shrink with them: a shrink it would call the last is planned
        again on the budget refined on the network it leaves, as at the last shrink."""
        s, importance = self.settings, hrnas_arch.importance(model)

        def at(budget):
            target = max(budget, self.initial_macs * (budget / self.initial_macs) ** (k / last)) if budget else 0.0
            keep, macs, dead, forced = select(importance, self.costs, self.counts, s.threshold, budget, target)
            if budget and budget < macs <= budget * (1 + s.tolerance):  # close enough to stop: end at the budget
                keep, macs, dead, forced = select(importance, self.costs, self.counts, s.threshold, budget, budget)
            return budget, keep, macs, dead, forced

        planned = at(self.budget(model, final=k >= last))
        if s.budget_ms and k < last and planned[2] <= planned[0] * (1 + s.tolerance):
            planned = at(self.budget(model, final=True))
        return planned

    def end_epoch(self, model, epoch, compile_model):
        """After epoch `epoch` (1-based): shrink if it is a shrink epoch; log. compile_model(model_fn) -> a
        compiled model (the trainer's build_model). Returns (model, stats for the epoch's history entry)."""
        s = self.settings
        shrinking = not self.reached and epoch % s.shrink_every == 0 and epoch <= self.shrink_epochs
        removed = (0, 0)
        if shrinking:
            k, last = epoch // s.shrink_every, self.shrink_epochs // s.shrink_every
            budget, keep, macs, dead, forced = self.plan(model, k, last)
            if dead or forced:
                def build(arch):
                    self.arch = arch
                    return compile_model(lambda: self.build(self.data))

                model = shrink(model, keep, build)
                self.attach(model)
            if forced:
                self.rho.assign(self.rho * s.rho_growth)
            if k >= last or budget and self.costs.macs(self.counts) <= budget * (1 + s.tolerance):
                self.reached = True
                self.rho.assign(0.0)
            removed = (dead, forced)
        stats = self._stats(epoch, removed)
        if shrinking:
            self.history.append(stats)
        return model, stats

    def _stats(self, epoch, removed):
        tokens = {b: n for b, (_, n) in self.counts.items() if b in self.costs.tokens}
        stats = {"macs": float(self.costs.macs(self.counts)), "tokens": int(sum(tokens.values())),
                 "rho": float(self.rho.numpy()), "removed_dead": removed[0], "removed_cut": removed[1],
                 "reached": self.reached, "tokens_per_block": {b: int(n) for b, n in tokens.items()}}
        self.log(f"search epoch {epoch}: {stats['macs'] / 1e6:.2f} MMACs, {stats['tokens']} tokens in "
                 f"{len(tokens)} transformers, rho {stats['rho']:.3g}, removed {removed[0]} dead + {removed[1]} cut"
                 + (" (shrinking done: training the final architecture)" if self.reached else ""))
        if self.writer is not None:
            with self.writer.as_default(step=epoch):
                for key in ("macs", "tokens", "rho"):
                    tf.summary.scalar(f"search/{key}", stats[key])
            self.writer.flush()
        return {"epoch": epoch, **stats}
