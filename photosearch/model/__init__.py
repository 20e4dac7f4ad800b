"""The search model: presets and loading (open_clip tags, checkpoints, the Hugging Face cache),
the embedder and its lazy twin, and the runtimes that run it fastest on this machine."""
