"""Text in photos, offline: the words written in a photo (signs, labels, documents, captions) as
lines with a confidence and a box, read by PP-OCRv6 models that the rapidocr wheel ships, the
detector on OpenVINO and the recogniser on ONNX Runtime. Nothing heavy is imported and no model
is loaded until the first photo is read (`reader.shared_reader`)."""
