"""Model families other than open_clip, each a module that finds a model's files and builds it
in open_clip's shape (`visual`, `encode_image`, `encode_text` on token ids alone), so that the
embedder, the runtimes, the ONNX export and the query kit run it as they run CLIP. open_clip
itself is the default family, in `loading`."""
