"""What we learn about each model, one module per model: its figures against data it never trained on.

``gan`` (the validation chorales), ``genres`` (each genre against its own corpus), ``arcnn`` (fixing
wrong notes, adding notes; its key estimator's fitting), ``transformer`` (held-out prompts continued).
"""
