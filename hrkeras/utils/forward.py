"""The inference function of a model: what evaluation, predictors and inferencers call on batches."""
import keras


def inference_function(model):
    """A Keras model -> a traced function images [B, H, W, 3] -> outputs (inference mode; the batch size may
    vary without re-tracing after the second); any other callable (a TFLite runner's predict) is returned as is.
    """
    if not isinstance(model, keras.Model):
        return model
    import tensorflow as tf

    return tf.function(lambda x: model(x, training=False), reduce_retracing=True, autograph=False)
