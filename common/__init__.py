"""The little that both apps need: upload checks, image decoding, serving stored files.

This package imports no app of the project (``hub``, ``events``, ``dois``); they import it.
"""
