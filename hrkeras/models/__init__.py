"""Backbones, task models and the registry."""
