"""Faces in photos, offline: where each face is (box, five landmarks, the detector's confidence)
and a descriptor, a unit vector whose cosine distance to another face's says whether they are
likely one person. Two models behind one seam (`model.load_face_model`): dlib, from the
installed packages, and InsightFace's buffalo_l when the user has its files. Nothing heavy is
imported and no model is loaded until one is asked for."""
