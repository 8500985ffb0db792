"""The resource-aware sparsity penalty of the search (HR-NAS's progressive shrinking loss).

penalty = rho_t * sum_i w_i |gamma_i| over every search unit i: gamma of the BN after a path's depthwise conv
(one per hidden channel) and of a transformer's `input_norm` (one per token); w_i = the unit's MACs over the
mean of all units' (hrkeras.nas.costs.normalized_costs). rho_t = rho * min(1, step / warmup_steps), step the
optimizer's counter, rho a variable the search assigns between epochs: nothing re-traces when it changes.
"""
import tensorflow as tf
from keras import ops

from hrkeras.utils.nested import leaf_layers


def penalty_terms(model, weights):
    """[(gamma variable [C], weight per element: float)] of `model`'s search units (weights: normalized_costs)."""
    layers, terms = {layer.name: layer for layer in leaf_layers(model)}, []
    for block, (channel, token) in weights.items():
        terms += [(layers[f"{block}_ops_{p}_1_1"].gamma, float(w)) for p, w in enumerate(channel)]
        if token:
            terms.append((layers[f"{block}_transformer_input_norm"].gamma, float(token)))
    return terms


def penalty_value(terms):
    """sum_i w_i |gamma_i| (a scalar tensor)."""
    return sum(ops.sum(ops.abs(gamma)) * w for gamma, w in terms)


def attach_penalty(model, terms, rho, warmup_steps):
    """Add rho_t * penalty_value(terms) to `model`'s training loss (compiled `model`; rho: a tf.Variable).

    Rebinds the instance's compute_loss, the one method every train step calls for its loss; evaluation
    (training=False) keeps the task loss alone.
    """
    task_loss = model.compute_loss
    iterations = model.optimizer.iterations

    def compute_loss(x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = task_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
        if not training or not terms:
            return loss
        ramp = ops.minimum(1.0, ops.cast(iterations, "float32") / float(max(warmup_steps, 1)))
        replicas = tf.distribute.get_strategy().num_replicas_in_sync  # the losses are summed over replicas
        return loss + ops.cast(rho, "float32") * ramp * penalty_value(terms) / replicas

    model.compute_loss = compute_loss
    return model
