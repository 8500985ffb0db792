"""Physical shrinking: the compact network of a keep selection, with weights and optimizer state carried over."""
from hrkeras.models.hrnas import hrnas_arch

# Per-variable state lists of the recipes' optimizers (Keras Adam, hrkeras TorchSGD); `iterations` is shared.
_SLOTS = ("_momentums", "_velocities", "_velocity_hats", "buffers")


def carry_over(source, compact, keep):
    """Copy `source`'s weights and optimizer state into `compact` (both compiled; compact built from
    compact_architecture(source, keep)): every weight and each of its optimizer slots (Adam's moments) sliced
    to the kept units, the step counter kept (so the schedule and Adam's bias correction go on)."""
    old, new = source.optimizer, compact.optimizer
    old.build(source.trainable_variables)
    new.build(compact.trainable_variables)
    new.iterations.assign(old.iterations)
    slots = [name for name in _SLOTS if getattr(old, name, None) and getattr(new, name, None)]
    for src, dst, axis, index in hrnas_arch.weight_pairs(source, compact, keep):
        dst.assign(hrnas_arch.take(src.numpy(), axis, index))
        if dst.trainable:
            for name in slots:
                value = getattr(old, name)[old._get_variable_index(src)].numpy()
                getattr(new, name)[new._get_variable_index(dst)].assign(hrnas_arch.take(value, axis, index))


def shrink(model, keep, build):
    """The compiled compact network of `keep`, carrying `model`'s weights and optimizer state;
    build(architecture file dict) -> a compiled model of that architecture."""
    compact = build(hrnas_arch.arch_file(model, keep))
    carry_over(model, compact, keep)
    return compact
