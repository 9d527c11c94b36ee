"""Use cases: what a user does, called alike by the pages, the HTTP API and the command line.

`entry` submits a data-entry form; `upload` previews and imports uploaded files. Each use case
checks the caller's rights once, on the data it is about to write.
"""
