"""Conversion to TFLite and checks that a model runs on the mobile GPU."""
